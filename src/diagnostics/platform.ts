/**
 * The Node side of the platform split: `node:diagnostics_channel`. Browsers get
 * `browserPlatform.ts` in its place (silent channels), through the `browser` export condition and
 * the `browser` field, so a browser bundle never asks for a Node built-in.
 */
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';

/**
 * The part of a diagnostics channel the agent uses.
 *
 * @example
 * const ch: ChannelLike = channelOf('lp-agent-rx:connection');
 * if (ch.hasSubscribers) ch.publish({ state });
 */
export interface ChannelLike {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/**
 * The named channel (`diagnostics_channel.channel` in Node; a silent one in browsers).
 *
 * @example
 * channelOf('lp-agent-rx:request');
 */
export const channelOf = (name: string): ChannelLike => channel(name);

/**
 * Subscribes to a named channel; returns the unsubscribe.
 *
 * @example
 * const stop = subscribeTo('lp-agent-rx:connection', (m) => log(m));
 */
export const subscribeTo = (name: string, listener: (message: unknown) => void): (() => void) => {
  subscribe(name, listener);
  return () => void unsubscribe(name, listener);
};
