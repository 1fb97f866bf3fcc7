import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { AuthOptions, Credentials } from '../auth/index.js';
import type { SocketFactory } from '../socket/index.js';
// `platform.js` is swapped for `browserPlatform.js` by bundlers targeting browsers (package.json `browser`).
import { defaultSocketFactory } from '../socket/platform.js';
import { DEFAULT_RETRY_BACKOFF } from '../operators/retryBackoff.js';
import { randomId, systemNow } from '../runtime/index.js';
import type { Mutation } from './mutations.js';
import type { PacingOptions } from './pacing.js';
import { resolveFollow, type FollowOptions } from './resume.js';

/**
 * How the agent reconnects after an unexpected close. Defaults follow LivePerson's guidance:
 * first retry after 5 s, each next interval x1.25, at most 35 attempts, with jitter.
 *
 * @example
 * createAgent({ ...creds, reconnect: { initialInterval: 1_000, maxRetries: 10 } });
 */
export interface ReconnectOptions {
  /** Delay before the first retry, in ms. Default 5 000. */
  initialInterval?: number;
  /** Growth of the delay per attempt. Default 1.25. */
  ratio?: number;
  /** Cap on one delay, in ms. Default 120 000 (LivePerson's "every 2 min" for slow retries). */
  maxInterval?: number;
  /** Attempts before giving up and closing for good. Default 35. */
  maxRetries?: number;
  /** Random spread of each delay, 0..1 (0.2 = ±20 %). Default 0.2. */
  jitter?: number;
}

/**
 * Something to log to: `console`, or any pino-compatible logger (its `child` is called once per
 * agent with `{ lib: 'lp-agent-rx', accountId }`). Messages never contain secrets: bearer tokens,
 * passwords, OAuth secrets and assertions are masked before a line is written. Default: silent.
 *
 * @example
 * import pino from 'pino';
 * createAgent({ ...creds, logger: pino({ level: 'info' }) });
 */
export interface Logger {
  /** A logger with these fields on every line (pino's `child`). */
  child?(bindings: Record<string, unknown>): Logger;
  /** Low-level steps (e.g. the socket URL being opened, bearer masked). */
  debug?(message: string): void;
  /** Connection milestones (e.g. a reconnect scheduled). */
  info?(message: string): void;
  /** Degraded but going on (a `NormalizeWarning`, a dead socket being replaced). */
  warn?(message: string): void;
  /** Every error also emitted on `errors$`. */
  error?(message: string): void;
}

/**
 * Options of `createAgent`, besides the credentials.
 *
 * @example
 * createAgent({ accountId, username, password, requestTimeout: 5_000, keepAlive: 30_000 });
 */
export interface AgentOptions extends AuthOptions {
  /** Per-request timeout in ms, including time spent waiting for the connection. Default 10 000. */
  requestTimeout?: number;
  /** GetClock keep-alive and ws ping period, in ms; 0 disables. Default 30 000. */
  keepAlive?: number;
  /** Session refresh period for logins with csrf, in ms; 0 disables. Default 600 000 (10 min). */
  refreshInterval?: number;
  /** Reconnect policy, or false to never reconnect. */
  reconnect?: ReconnectOptions | false;
  /**
   * How long a connection must stay open before the reconnect count starts over, in ms. A server
   * that accepts and drops at once is thus retried with growing delays. Default 10 000.
   */
  stableAfter?: number;
  /** First retry of a failed session refresh (5xx, network), in ms; it doubles per retry, 5 at most. Default 5 000. */
  refreshRetryInterval?: number;
  /**
   * Following conversations: on joining one, fetch each open dialog's history onto `messages$`
   * (so the consumer's first message needs no pipeline code). `false` turns it off. Default on,
   * up to 1 000 records per dialog.
   */
  follow?: FollowOptions | false;
  /**
   * Per dialog, the sequence up to which another run of this bot user already dealt with it (a
   * checkpoint): joining such a dialog fetches only what is newer, and nothing up to it is
   * delivered. An agent pool fills this in on takeover.
   *
   * @example
   * createAgent({ ...creds, resumeFrom: { 'dialog-1': 14 } });
   */
  resumeFrom?: Readonly<Record<string, number>>;
  /**
   * What to do when another session of the same agent user takes over (close 4409): `'stop'` ends
   * the run with `SessionTakenOver` (the default: two processes on one bot user would otherwise
   * kick each other in a loop); `'reconnect'` takes the session back under the reconnect policy.
   */
  onSessionTakenOver?: 'stop' | 'reconnect';
  /** Pace of what the agent sends on its own: catch-up and follow queries. */
  pacing?: PacingOptions;
  /**
   * Publishes carry an idempotency key (`ExternalId` metadata); when a publish's outcome is unknown
   * (a drop, a timeout) the agent looks for the key in the dialog's history before sending again.
   * `attempts` counts every try. `false` sends each publish once and leaves retries to you.
   * Default `{ attempts: 5 }`.
   */
  idempotentPublish?: { attempts?: number } | false;
  /** The `v` of the websocket URL. Default '2.1' (needed for SUGGESTED transfer notifications). */
  apiVersion?: string;
  /** CSDS service of the websocket host. Default 'facadeMsg'. */
  wsService?: string;
  /** Frames longer than this many characters are reported as oversize. Default 8 Mi. */
  maxFrameLength?: number;
  /**
   * Where timers run; pass a TestScheduler in virtual-time tests. Default `asyncScheduler`. Given
   * one, the agent also reads the time from it (unless `now` is given), so virtual time is the
   * only time the agent sees.
   */
  scheduler?: SchedulerLike;
  /**
   * Randomness in [0, 1): reconnect jitter and publish keys. Default `Math.random` (and
   * `crypto.randomUUID` for keys); a simulation passes a seeded source.
   */
  random?: () => number;
  /** For the deterministic simulator only: deliberate defects to prove it can fail. Never in production. */
  mutations?: readonly Mutation[];
  /** Opens the websocket. Default `openNodeSocket` (over `ws`) in Node, `openBrowserSocket` in browser bundles. */
  socketFactory?: SocketFactory;
  /** Extra CA for TLS (e.g. the emulator's self-signed certificate). */
  ca?: string | Buffer;
  logger?: Logger;
}

/**
 * Everything `createAgent` takes: one credential kind plus options.
 *
 * @example
 * const config: AgentConfig = { accountId: '123', username: 'bot', password: process.env.LP_PASS ?? '' };
 */
export type AgentConfig = Credentials & AgentOptions;

/** Options with defaults applied. */
export interface ResolvedAgentOptions {
  requestTimeout: number;
  keepAlive: number;
  refreshInterval: number;
  reconnect: Required<ReconnectOptions> | false;
  stableAfter: number;
  refreshRetryInterval: number;
  onSessionTakenOver: 'stop' | 'reconnect';
  follow: Required<FollowOptions> | false;
  resumeFrom: Readonly<Record<string, number>>;
  pacing: PacingOptions;
  publishAttempts: number;
  apiVersion: string;
  wsService: string;
  maxFrameLength: number | undefined;
  scheduler: SchedulerLike;
  /** Milliseconds since the epoch: the scheduler's, when one was given, else the system clock. */
  now: () => number;
  /** A fresh random id (publish keys). */
  newId: () => string;
  random: (() => number) | undefined;
  mutations: ReadonlySet<Mutation>;
  socketFactory: SocketFactory;
  logger: Logger;
}

/** LivePerson's reconnect guidance, as defaults: `retryBackoff`'s, with ±20 % jitter so many agents do not retry in step. */
export const DEFAULT_RECONNECT: Required<ReconnectOptions> = { ...DEFAULT_RETRY_BACKOFF, jitter: 0.2 };

export function resolveAgentOptions(config: AgentOptions): ResolvedAgentOptions {
  const {
    requestTimeout = 10_000,
    keepAlive = 30_000,
    refreshInterval = 600_000,
    reconnect = {},
    stableAfter = 10_000,
    refreshRetryInterval = 5_000,
    onSessionTakenOver = 'stop',
    follow = {},
    resumeFrom = {},
    pacing = {},
    idempotentPublish = {},
    apiVersion = '2.1',
    wsService = 'facadeMsg',
    maxFrameLength,
    scheduler = asyncScheduler,
    socketFactory = defaultSocketFactory,
    logger = {},
    random,
  } = config;
  const now = config.now ?? (config.scheduler ? () => scheduler.now() : systemNow);
  return {
    requestTimeout,
    keepAlive,
    refreshInterval,
    reconnect: reconnect === false ? false : { ...DEFAULT_RECONNECT, ...(random ? { random } : {}), ...reconnect },
    stableAfter,
    refreshRetryInterval,
    onSessionTakenOver,
    follow: resolveFollow(follow),
    resumeFrom,
    pacing,
    publishAttempts: idempotentPublish === false ? 0 : (idempotentPublish.attempts ?? 5),
    apiVersion,
    wsService,
    maxFrameLength,
    scheduler,
    now,
    newId: () => randomId(random),
    random,
    mutations: new Set(config.mutations ?? []),
    socketFactory,
    logger,
  };
}
