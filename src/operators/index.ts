/**
 * Operators and command builders: pure functions from the agent's streams to Commands, for
 * `agent.run`. None touches the socket, which is what makes pipelines marble-testable.
 *
 * @example
 * import { acceptWaitingRings, markAsRead, retryBackoff, sendText } from 'lp-agent-rx';
 */
export * from './commands.js';
export * from './acceptWaitingRings.js';
export * from './dedupeConversations.js';
export * from './dedupeMessages.js';
export * from './retryBackoff.js';
export * from './ofEventType.js';
export * from './contentEvents.js';
export * from './markAsRead.js';
export * from './typing.js';
export * from './keepAlive.js';
export * as rich from './richContent.js';
export * from './respond.js';
