/**
 * The public domain: the types users see, typed errors, commands, and the pure normalizers that
 * turn decoded wire bodies into those types.
 *
 * @example
 * import { normalizeRings, isActiveAssignee, type Ring } from 'lp-agent-rx';
 */
export * from './types.js';
export * from './errors.js';
export * from './commands.js';
export * from './normalizeRings.js';
export * from './normalizeAgentState.js';
export * from './normalizeEventRecord.js';
export * from './normalizeConversationChanges.js';
export * from './participants.js';
export * from './sequences.js';
export * from './replyKeys.js';
