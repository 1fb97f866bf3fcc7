/**
 * The emulator: a real local server speaking LivePerson's Messaging Agent API, for tests, demos and
 * benchmarks. Published as `lp-agent-rx/emulator`; see docs/emulator.md.
 *
 * @example
 * import { startEmulator } from 'lp-agent-rx/emulator';
 * const emulator = await startEmulator({ seed: 1 });
 * const creds = emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
 * await emulator.close();
 *
 * @example
 * // No socket, no port, no wall clock: the engine in memory, in virtual time.
 * import { createMemoryEmulator, createVirtualTime } from 'lp-agent-rx/emulator';
 * const time = createVirtualTime();
 * const memory = createMemoryEmulator({ seed: 1, scheduler: time.scheduler });
 * const agent = createAgent({ ...memory.addAgent({ username: 'bot', password: 'secret' }), scheduler: time.scheduler });
 */
export { startEmulator } from './startEmulator.js';
export {
  createMemoryEmulator,
  createVirtualTime,
  type MemoryEmulator,
  type MemoryEmulatorOptions,
  type MemoryTransport,
  type WireEvent,
} from './adapters/memory.js';
export type { EmulatorWith, EngineOptions } from './engine/engine.js';
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
