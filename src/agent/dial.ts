import { catchError, EMPTY, ignoreElements, merge, type Observable, tap, throwError, timeout } from 'rxjs';
import { wsBase, type AuthOptions, type Session } from '../auth/index.js';
import { AuthFailed, RequestFailed, RequestTimeout, toAgentError, type AgentError } from '../domain/errors.js';
import type { Identity } from '../domain/types.js';
import type { SocketFactory } from '../socket/index.js';
import { openConnection, type Connection, type ConnectionSignal } from './connection.js';
import type { ResolvedAgentOptions } from './options.js';
import type { ReplayRegistry } from './replay.js';
import { SnapshotWatch } from './snapshots.js';
import type { AgentCounters } from './stats.js';
import type { AgentStreams } from './streams.js';

/** What dialing needs from the agent. */
export interface DialConfig {
  readonly options: ResolvedAgentOptions;
  readonly auth: AuthOptions;
  readonly streams: AgentStreams;
  readonly registry: ReplayRegistry;
  readonly counters: AgentCounters;
  identity(): Identity | undefined;
  /** Whether a connection was open before (only then is anything replayed). */
  wasOpen(): boolean;
  /** Whether the agent is disposed (for `closed()`). */
  disposed(): boolean;
  nextId(): string;
  report(error: AgentError): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/**
 * Opening one connection on a session: its URL, the socket (counted until it closes, for
 * `closed()`), the inbound frames into the streams, and the replay of remembered subscriptions
 * (whose snapshots then say which conversations are still open).
 *
 * @example
 * const dialer = new Dialer(config);
 * dialer.dial(session).subscribe((signal) => ...);
 */
export class Dialer {
  /** Sockets opened and not yet closed (a disposed agent's socket may still be closing). */
  private liveSockets = 0;
  private readonly closedWaiters: (() => void)[] = [];
  /** After a reconnect, what the replayed subscriptions' snapshots say is still open. */
  private readonly snapshots: SnapshotWatch;
  /** The socket factory, counting the sockets that have not closed yet (for `closed()`). */
  private readonly countedFactory: SocketFactory = (url, handlers, options) => {
    this.liveSockets++;
    let open = true;
    const settle = (): void => {
      if (!open) return;
      open = false;
      this.liveSockets--;
      this.settleClosed();
    };
    try {
      return this.config.options.socketFactory(url, { ...handlers, onClose: (code, reason) => (settle(), handlers.onClose(code, reason)) }, options);
    } catch (e) {
      settle();
      throw e;
    }
  };

  constructor(private readonly config: DialConfig) {
    this.snapshots = new SnapshotWatch((open) => config.streams.reconcile(open));
  }

  dial(session: Session): Observable<ConnectionSignal> {
    const { options, auth, streams } = this.config;
    const host = session.domains[options.wsService] ?? session.domains['asyncMessagingEnt'];
    if (!host) return throwError(() => new AuthFailed(`no host for service ${options.wsService} in account ${session.accountId}`, 'csds', true));
    const url = `${wsBase(host, auth.secure)}/ws_api/account/${session.accountId}/messaging/brand/${session.bearer}?v=${options.apiVersion}`;
    this.config.log('debug', `opening ${url}`);
    const ca = auth.ca;
    return openConnection({
      url,
      factory: this.countedFactory,
      trace: (type, reqId) => this.config.counters.trace(type, reqId),
      ...(ca ? { socketOptions: { ca } } : {}),
      scheduler: options.scheduler,
      keepAlive: options.keepAlive,
      requestTimeout: options.requestTimeout,
      stableAfter: options.stableAfter,
      maxFrameLength: options.maxFrameLength,
      nextId: () => this.config.nextId(),
      onNotification: (n) => {
        streams.inbound(n, this.config.identity());
        if (n.known && n.type === '.ams.aam.ExConversationChangeNotification') this.snapshots.onSnapshot(n.body.subscriptionId, n.body.changes.map((c) => c.result.convId));
      },
      replay: (connection) => this.replay(connection),
      report: (e) => this.config.report(e),
      log: (level, message) => this.config.log(level, message),
    });
  }

  /** Resolves once the agent is disposed and its last socket has closed. */
  closed(): Promise<void> {
    return new Promise((resolve) => {
      this.closedWaiters.push(resolve);
      this.settleClosed();
    });
  }

  settleClosed(): void {
    if (this.config.disposed() && this.liveSockets === 0) for (const resolve of this.closedWaiters.splice(0)) resolve();
  }

  /** Replays the remembered subscriptions and state on a new socket (nothing on the first). */
  private replay(connection: Connection): Observable<unknown> {
    const { registry, options } = this.config;
    const entries = this.config.wasOpen() && !this.config.options.mutations.has('dropReplay') ? registry.toReplay() : [];
    this.snapshots.expect(entries.some((e) => e.command.type === '.ams.aam.SubscribeExConversations'));
    return merge(
      ...entries.map((entry) => {
        const reqId = this.config.nextId();
        const { requestTimeout, scheduler } = options;
        return connection.request(reqId, entry.command.type, entry.command.body).pipe(
          // No answer: the socket is given up and the next one replays again (never "reconnecting" for ever).
          timeout({ first: requestTimeout, scheduler, with: () => throwError(() => new RequestTimeout(entry.command.type, reqId, requestTimeout)) }),
          tap((response) => {
            const id = registry.learn(entry, response);
            if (id !== undefined) this.snapshots.awaiting(id);
          }),
          ignoreElements(),
          // A replayed request the server refuses for good (4xx) is reported and the connection still
          // opens; one it could not answer now (no answer, 5xx, 429) gives the socket up, and the
          // next one replays again after the backoff.
          catchError((e: unknown) => {
            if (e instanceof RequestTimeout || (e instanceof RequestFailed && (e.code >= 500 || e.code === 429))) return throwError(() => e);
            if (entry.command.type === '.ams.aam.SubscribeExConversations') this.snapshots.cancel();
            this.config.report(toAgentError(e));
            return EMPTY;
          }),
        );
      }),
    ).pipe(tap({ complete: () => this.snapshots.replayed() }));
  }
}
