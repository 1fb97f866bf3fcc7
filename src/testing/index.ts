/**
 * `lp-agent-rx/testing`: fixtures of real LivePerson payloads (raw wire frames) for your specs.
 *
 * @example
 * import { ringWaitingFrame, frameText } from 'lp-agent-rx/testing';
 * emulator.injectFrame(frameText(ringWaitingFrame));
 */
export * from './fixtures/index.js';
