/**
 * lp-agent-rx: LivePerson's Messaging Agent API as typed RxJS streams.
 *
 * @example
 * import { createAgent } from 'lp-agent-rx';
 * const agent = createAgent({ accountId, username, password });
 * await firstValueFrom(agent.connect());
 */
export * from './agent/index.js';
export * from './domain/index.js';
export * from './protocol/index.js';
export * from './auth/index.js';
export * from './socket/index.js';
export * from './operators/index.js';
export * from './diagnostics/index.js';
