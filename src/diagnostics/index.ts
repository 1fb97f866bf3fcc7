/**
 * Diagnostics: the `node:diagnostics_channel` channels the agent publishes on (silent in browsers).
 *
 * @example
 * import { channelNames } from 'lp-agent-rx';
 */
export { channelNames } from './channels.js';
export type { AgentLifecycleMessage, CatchUpMessage, ConnectionMessage, DecodeMessage, LeaseMessage, MessageMessage, ReconnectMessage, RequestMessage } from './channels.js';
