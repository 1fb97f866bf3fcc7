export { createAgent } from './createAgent.js';
export * from './types.js';
export { DEFAULT_RECONNECT, type AgentConfig, type AgentOptions, type Logger, type ReconnectOptions } from './options.js';
