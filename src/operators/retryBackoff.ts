import { retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/** The retry policy of `retryBackoff` (and, with jitter, of the agent's reconnects). Every field is optional. */
export interface RetryBackoffConfig {
  /**
   * Delay before the first retry, in ms. Default 5 000 (LivePerson's retry guidance).
   */
  initialInterval?: number;
  /**
   * Growth of the delay per attempt: retry `n` waits `initialInterval * ratio ** (n - 1)`.
   * Default 1.25 (LivePerson's reconnect recipe); 2 gives the classic doubling.
   */
  ratio?: number;
  /**
   * Cap on a single delay, in ms, applied before jitter. Default 120 000 (LivePerson's "retry every
   * 2 minutes" once retries are slow; without it the 35th delay would be 2.7 hours).
   */
  maxInterval?: number;
  /**
   * Retries before the error goes through. Default 35 (LivePerson's reconnect recipe).
   */
  maxRetries?: number;
  /**
   * Random spread of each delay, 0..1: 0.2 draws the delay from ±20 % around its nominal value, so
   * many agents reconnecting after one outage do not retry in lockstep. Default 0 (exact delays).
   */
  jitter?: number;
  /**
   * Whether an error is worth retrying; `false` lets it through at once. Default: every error.
   */
  shouldRetry?: (error: unknown) => boolean;
  /**
   * When `true`, every value from the source resets the attempt count, so the next failure waits
   * `initialInterval` again. Default `false`.
   */
  resetOnSuccess?: boolean;
  /**
   * Where the delays run. Default rxjs's `asyncScheduler` (virtual time inside `TestScheduler.run`).
   */
  scheduler?: SchedulerLike;
  /**
   * Source of randomness for `jitter`, returning values in [0, 1). Default `Math.random`.
   */
  random?: () => number;
  /**
   * The delay an error asks for itself, in ms, used instead of the backoff for that retry (it still
   * counts as one): a 429's Retry-After, or 0 for a planned restart. `undefined` keeps the backoff.
   * Default: none.
   */
  retryAfter?: (error: unknown, nominalDelay: number) => number | undefined;
}

/** The delay settings of {@link backoffDelay}, every field required. */
export type BackoffDelayConfig = Required<Pick<RetryBackoffConfig, 'initialInterval' | 'ratio' | 'maxInterval' | 'jitter'>>;

/**
 * LivePerson's retry guidance: first retry after 5 s, each next one ×1.25, capped at 2 min, at
 * most 35 attempts, no jitter.
 */
export const DEFAULT_RETRY_BACKOFF = {
  initialInterval: 5_000,
  ratio: 1.25,
  maxInterval: 120_000,
  maxRetries: 35,
  jitter: 0,
} as const satisfies RetryBackoffConfig;

/**
 * The delay before retry `attempt` (1-based), in whole ms: `initialInterval * ratio ** (attempt - 1)`
 * capped at `maxInterval`, then spread by ±`jitter` with a draw from `random`. Pure, so schedules
 * can be tabulated and tested without timers.
 *
 * ## Example
 * ```ts
 * import { backoffDelay, DEFAULT_RETRY_BACKOFF } from 'lp-agent-rx';
 *
 * [1, 2, 3].map((n) => backoffDelay(n, DEFAULT_RETRY_BACKOFF)); // [5000, 6250, 7813]
 * ```
 *
 * @see {@link retryBackoff}
 *
 * @param attempt - The retry number, 1 for the first retry.
 * @param config - Initial interval, ratio, cap and jitter.
 * @param random - Source of randomness in [0, 1); only drawn when `jitter` > 0.
 * @return The delay in ms, never negative.
 */
export function backoffDelay(attempt: number, config: BackoffDelayConfig, random: () => number = Math.random): number {
  const { initialInterval, ratio, maxInterval, jitter } = config;
  const nominal = Math.min(maxInterval, initialInterval * ratio ** Math.max(0, attempt - 1));
  const spread = jitter > 0 ? nominal * jitter * (random() * 2 - 1) : 0;
  return Math.max(0, Math.round(nominal + spread));
}

/**
 * Returns an Observable that mirrors the source, except that when the source errors it is
 * resubscribed after a growing delay, up to `maxRetries` times; then the error goes through.
 *
 * A reconnect policy as an operator: wait 5 s, then 6.25 s, then 7.8 s, ... and give up after 35
 * tries, unless `shouldRetry` says the error is fatal (a rejected login is not worth retrying).
 * Built on rxjs's `retry({ count, delay, resetOnSuccess })`, so the attempt count lives in each
 * subscription, and the delays are `timer`s, so specs run them in virtual time.
 *
 * ## Example
 * ```ts
 * import { defer } from 'rxjs';
 * import { retryBackoff, type AgentError } from 'lp-agent-rx';
 *
 * const profile$ = defer(() => agent.getUserProfile({ userId })).pipe(
 *   retryBackoff({
 *     initialInterval: 1_000,
 *     maxRetries: 3,
 *     shouldRetry: (e) => (e as AgentError).kind !== 'AuthFailed',
 *   }),
 * );
 * ```
 *
 * @see {@link backoffDelay}
 * @see {@link DEFAULT_RETRY_BACKOFF}
 *
 * @param initialInterval - Delay before the first retry, in ms; every other setting at its default.
 * @return A function that returns an Observable that resubscribes to the source when it errors,
 * with growing delays, at most `maxRetries` times.
 */
export function retryBackoff<T>(initialInterval: number): MonoTypeOperatorFunction<T>;
/**
 * Resubscribes to a failed source after growing delays, with the given policy.
 *
 * @param config - The retry policy; see {@link RetryBackoffConfig}. Default LivePerson's guidance.
 */
export function retryBackoff<T>(config?: RetryBackoffConfig): MonoTypeOperatorFunction<T>;
export function retryBackoff<T>(config: number | RetryBackoffConfig = {}): MonoTypeOperatorFunction<T> {
  const {
    initialInterval = DEFAULT_RETRY_BACKOFF.initialInterval,
    ratio = DEFAULT_RETRY_BACKOFF.ratio,
    maxInterval = DEFAULT_RETRY_BACKOFF.maxInterval,
    maxRetries = DEFAULT_RETRY_BACKOFF.maxRetries,
    jitter = DEFAULT_RETRY_BACKOFF.jitter,
    shouldRetry = () => true,
    resetOnSuccess = false,
    scheduler,
    random = Math.random,
    retryAfter,
  } = typeof config === 'number' ? { initialInterval: config } : config;
  const delays: BackoffDelayConfig = { initialInterval, ratio, maxInterval, jitter };

  return retry<T>({
    count: maxRetries,
    resetOnSuccess,
    delay: (error: unknown, retryCount: number) => {
      if (!shouldRetry(error)) return throwError(() => error);
      const nominal = backoffDelay(retryCount, delays, random);
      return timer(retryAfter?.(error, nominal) ?? nominal, scheduler);
    },
  });
}
