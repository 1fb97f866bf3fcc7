/**
 * The emulator: a real local server speaking LivePerson's Messaging Agent API, for tests, demos and
 * benchmarks. Published as `lp-agent-rx/emulator`; see docs/emulator.md.
 *
 * @example
 * import { startEmulator } from 'lp-agent-rx/emulator';
 * const emulator = await startEmulator({ seed: 1 });
 * const creds = emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
 * await emulator.close();
 */
export { startEmulator } from './startEmulator.js';
export { prepareFrames, type PreparedFrames } from './engine/wireFrames.js';
export { CSDS_SERVICES } from './engine/auth.js';
export type { NextFault, RandomFaultKind } from './engine/faults.js';
export type {
  AgentIdentity,
  AgentOptions,
  Consumer,
  ConsumerOptions,
  ConversationSnapshot,
  Emulator,
  EmulatorAssertionCredentials,
  EmulatorCredentials,
  EmulatorOAuthCredentials,
  EmulatorOptions,
  EmulatorTokenCredentials,
  EmulatorTrust,
  Faults,
  QuickReply,
  ReceivedRequest,
  FrameRecord,
  AgentSnapshot,
  SessionEvent,
  RingSnapshot,
} from './types.js';
