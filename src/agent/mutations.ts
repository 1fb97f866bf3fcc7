/**
 * Deliberate defects the deterministic simulator turns on (SIMULATION.md §4: a simulator that
 * passes with a canary on is a test that cannot fail). Each names one mechanism the exactly-once
 * promise rests on. Never set in production: off, they cost one set lookup at the point they guard.
 *
 * @example
 * createAgent({ ...creds, mutations: ['skipCatchUp'] }); // the swarm must now fail
 */
export type Mutation =
  /** After a reconnect, no dialog is caught up. */
  | 'skipCatchUp'
  /** A paced task that fails or is cancelled while it runs keeps its slot for ever. */
  | 'losePacerSlot'
  /** After a reconnect, no remembered subscription is replayed. */
  | 'dropReplay'
  /** Live events of a dialog being fetched are delivered at once, not after its history. */
  | 'releaseHeldEarly'
  /** A drop forgets what was delivered: catch-up starts from nothing. */
  | 'forgetWatermark';

/** Every mutation, for the simulator's canary spec. */
export const MUTATIONS: readonly Mutation[] = ['skipCatchUp', 'losePacerSlot', 'dropReplay', 'releaseHeldEarly', 'forgetWatermark'];
