/**
 * `lp-agent-rx/testing`: marble helpers for your specs. `createTestAgent()` is an `Agent` driven by
 * hot marbles that records what it is asked to send; the builders make valid domain values
 * (`aRing()`, `aContentEvent()`, ...) and raw frames (`ringFrame()`, `contentEventFrame()`, ...);
 * the fixtures are real LivePerson payloads.
 *
 * @example
 * import { createTestAgent, aRing, ringWaitingFrame, frameText } from 'lp-agent-rx/testing';
 * const agent = createTestAgent({ rings$: hot('-r', { r: aRing() }) });
 * emulator.injectFrame(frameText(ringWaitingFrame));
 */
export * from './fixtures/index.js';
export * from './builders.js';
export * from './frameBuilders.js';
export * from './createTestAgent.js';
