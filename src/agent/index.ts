export { createAgent } from './createAgent.js';
export * from './types.js';
export { DEFAULT_RECONNECT, type AgentConfig, type AgentOptions, type Logger, type ReconnectOptions } from './options.js';
export { type FollowOptions } from './resume.js';
export { type PacingOptions } from './pacing.js';
export { isAgentReady } from './readiness.js';
export { MUTATIONS, type Mutation } from './mutations.js';
