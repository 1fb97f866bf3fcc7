/**
 * The browser side of the platform split: there is no `diagnostics_channel` in browsers, so every
 * channel is silent (no subscribers, publishing does nothing) and the agent skips building messages.
 */

/**
 * The part of a diagnostics channel the agent uses.
 *
 * @example
 * const ch: ChannelLike = channelOf('lp-agent-rx:connection');
 */
export interface ChannelLike {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

const SILENT: ChannelLike = { hasSubscribers: false, publish: () => undefined };

/**
 * A silent channel: browsers have no `diagnostics_channel`.
 *
 * @example
 * channelOf('lp-agent-rx:request').hasSubscribers; // false
 */
export const channelOf = (_name: string): ChannelLike => SILENT;

/**
 * Nothing to subscribe to in a browser: returns a no-op unsubscribe.
 *
 * @example
 * const stop = subscribeTo('lp-agent-rx:connection', log); // never called in a browser
 */
export const subscribeTo = (_name: string, _listener: (message: unknown) => void): (() => void) => () => undefined;
