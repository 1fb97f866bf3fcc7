import { BehaviorSubject, defer, filter, map, merge, Observable, of, retry, skip, Subject, Subscription, switchMap, take, tap, throwError, timer } from 'rxjs';
import type { Session } from '../auth/index.js';
import { channels } from '../diagnostics/channels.js';
import { AuthFailed, ConnectionClosed, SESSION_TAKEN_OVER_CODE, SessionTakenOver, SocketError, toAgentError, type AgentError } from '../domain/errors.js';
import { backoffDelay } from '../operators/retryBackoff.js';
import type { Connection, ConnectionSignal } from './connection.js';
import type { ResolvedAgentOptions } from './options.js';
import type { SessionKeeper } from './session.js';
import type { AgentCounters } from './stats.js';
import type { Agent, ConnectionState } from './types.js';

/** Close codes after which the token is no longer good: log in again before reconnecting. */
const AUTH_CLOSE_CODES = new Set([4401, 4407, 1011, 1008]);

/**
 * The connection's life, one phase at a time. `failures` counts the drops since the connection was
 * last stable: it is the reconnect attempt number, and this state is its only owner (the backoff
 * delays are computed from it; rxjs's `retry` only resubscribes).
 *
 * - `idle`: no run yet. `connect()` starts one.
 * - `connecting`: a run's attempt (session, socket, replay) is under way.
 * - `open`: the socket is open and replayed; `stable` (after `stableAfter`) sets `failures` to 0.
 * - `reconnecting`: a drop, with attempts left: waiting out the backoff of attempt `failures`.
 * - `dropped`: a drop that ends the run (fatal, no attempts left, no policy); it becomes `ended` at once.
 * - `ended`: the run is over; `connect()` starts a new one, unless `fatal` (then it fails with `error`).
 * - `disposed`: for good.
 */
export type LifecycleState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'connecting'; readonly failures: number }
  | { readonly phase: 'open'; readonly connection: Connection; readonly failures: number }
  | { readonly phase: 'reconnecting'; readonly failures: number; readonly code: number | undefined }
  | { readonly phase: 'dropped'; readonly failures: number }
  | { readonly phase: 'ended'; readonly error: AgentError; readonly fatal: boolean }
  | { readonly phase: 'disposed' };

/** What the lifecycle needs from the agent. */
export interface LifecycleConfig {
  readonly agent: Agent;
  readonly options: Pick<ResolvedAgentOptions, 'reconnect' | 'scheduler' | 'random' | 'onSessionTakenOver'>;
  readonly sessions: SessionKeeper;
  readonly counters: AgentCounters;
  /** Opens one connection on a session (see `openConnection`). */
  dial(session: Session): Observable<ConnectionSignal>;
  /** The connection is open and replayed (the resume part catches up). */
  opened(): void;
  /** A connection that had been open is gone (the resume part holds live events). */
  disconnected(): void;
  report(error: AgentError): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** The close that says another session of this agent user took over, as its own error kind. */
function takenOver(e: unknown): SessionTakenOver | undefined {
  return e instanceof ConnectionClosed && e.code === SESSION_TAKEN_OVER_CODE ? new SessionTakenOver(e.code, e.reason) : undefined;
}

/** A planned restart: the session was renewed, so the socket moves to the new bearer at once. */
class SessionRenewed extends ConnectionClosed {
  constructor() {
    super(4401, 'session renewed');
  }
}

/**
 * The connection's lifecycle as one explicit state machine (see {@link LifecycleState}): the runs,
 * the reconnect policy, `connection$`, and who waits for an open connection.
 *
 * @example
 * const lifecycle = new Lifecycle(config);
 * lifecycle.connect().subscribe(); // idle → connecting → open
 */
export class Lifecycle {
  private current: LifecycleState = { phase: 'idle' };
  /** Every transition, for those waiting on an open connection or the end of a run. */
  private readonly changes = new Subject<LifecycleState>();
  private readonly connectionSubject = new BehaviorSubject<ConnectionState>({ status: 'closed' });
  readonly connection$ = this.connectionSubject.asObservable();
  /** The run's scope (refresh loop, attempts), while there is one. */
  private run: Subscription | undefined;
  /** Whether any run was ever open (later attempts say `reconnecting`, and replay). */
  private everOpen = false;
  private lastCloseCode: number | undefined;

  constructor(private readonly config: LifecycleConfig) {}

  get state(): LifecycleState {
    return this.current;
  }

  get status(): ConnectionState['status'] {
    return this.connectionSubject.value.status;
  }

  /** Whether a connection was ever open: the replay of remembered subscriptions starts from the second. */
  get wasOpen(): boolean {
    return this.everOpen;
  }

  /** Emits once open; fails with the run's end (the fatal error, `ConnectionClosed`). Starts a run when none is going. */
  connect(): Observable<void> {
    return defer(() => {
      const state = this.current;
      if (state.phase === 'disposed') return throwError(() => new ConnectionClosed(1000, 'agent disposed'));
      if (state.phase === 'open') return of(undefined);
      if (state.phase === 'ended' && state.fatal) return throwError(() => state.error);
      const outcome$ = this.settled().pipe(
        map((s): void => {
          if (s.phase !== 'open') throw endOf(s);
        }),
      );
      // Listening first: a run can end inside start() (a refused token, no retry), before it returns.
      return new Observable<void>((subscriber) => {
        const outcome = outcome$.subscribe(subscriber);
        if (this.current.phase === 'idle' || this.current.phase === 'ended') this.start();
        return outcome;
      });
    });
  }

  /** Why a request cannot wait for a connection: the agent is disposed, or its run ended after it was open. */
  refusal(type: string, reqId: string): ConnectionClosed | undefined {
    if (this.current.phase === 'disposed') return new ConnectionClosed(1000, 'agent disposed', type, reqId);
    if (this.current.phase === 'ended' && this.everOpen) return new ConnectionClosed(this.lastCloseCode ?? 1006, 'not connected', type, reqId);
    return undefined;
  }

  /** The next open connection (other than `dead`); fails with `ConnectionClosed` when the run ends first. */
  nextOpen(type: string, reqId: string, dead?: Connection): Observable<Connection> {
    return this.settled(dead).pipe(
      map((s) => {
        if (s.phase === 'open') return s.connection;
        const e = endOf(s);
        throw new ConnectionClosed(e instanceof ConnectionClosed ? e.code : (this.lastCloseCode ?? 1006), 'not connected', type, reqId);
      }),
    );
  }

  /** Tells the waiters first, then ends the run. `closed()` follows once the agent's parts are disposed. */
  dispose(): void {
    this.current = { phase: 'disposed' };
    this.changes.next(this.current);
    this.run?.unsubscribe();
    this.run = undefined;
  }

  /** Reports the final `closed` (code 1000) and completes `connection$`. */
  complete(): void {
    this.emit({ status: 'closed', code: 1000 });
    this.connectionSubject.complete();
    this.changes.complete();
  }

  /** The first transition into open, ended or disposed. */
  private settled(dead?: Connection): Observable<LifecycleState> {
    return this.changes.pipe(
      filter((s) => (s.phase === 'open' && s.connection !== dead) || s.phase === 'ended' || s.phase === 'disposed'),
      take(1),
    );
  }

  /** Starts a run: login, connection, reconnects under the policy, until fatal, exhausted or disposed. */
  private start(): void {
    const run = new Subscription();
    this.run = run;
    run.add(this.config.sessions.refreshes().subscribe());
    run.add(this.attempts().subscribe({ error: (e: unknown) => this.end(toAgentError(e)) }));
  }

  /** Attempts until the run ends: each resubscription (by `retry`, after the backoff `drop` chose) is one attempt. */
  private attempts(): Observable<ConnectionSignal> {
    const { sessions } = this.config;
    return defer(() => {
      const failures = this.failures();
      this.current = { phase: 'connecting', failures };
      this.emit({
        status: this.everOpen || failures > 0 ? 'reconnecting' : 'connecting',
        attempt: Math.max(1, failures),
        ...(failures > 0 && this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}),
      });
      return sessions.ensure();
    }).pipe(
      switchMap((session) => merge(this.config.dial(session), this.renewals())),
      tap((signal) => (signal.type === 'ready' ? this.open(signal.connection) : this.stable())),
      // Only `stable` passes (nothing reads it): what matters are the transitions above.
      filter((signal) => signal.type === 'stable'),
      retry({ delay: (e: unknown) => this.drop(e) }),
    );
  }

  /** Errors with `SessionRenewed` when a refresh ends the session this connection runs on. */
  private renewals(): Observable<never> {
    return this.config.sessions.expired$.pipe(
      skip(1),
      take(1),
      switchMap(() => throwError(() => new SessionRenewed())),
    );
  }

  /** connecting → open. */
  private open(connection: Connection): void {
    this.everOpen = true;
    this.current = { phase: 'open', connection, failures: this.failures() };
    this.changes.next(this.current);
    this.emit({ status: 'open' });
    this.config.opened();
  }

  /** open → open, with the reconnect count reset: the connection stayed up for the stable period. */
  private stable(): void {
    if (this.current.phase === 'open') this.current = { ...this.current, failures: 0 };
  }

  /**
   * connecting | open → reconnecting (attempts left: waits the backoff of attempt `failures`) or
   * dropped (the run ends: the error goes on to `end`).
   */
  private drop(e: unknown): Observable<number> {
    const { options, sessions, counters } = this.config;
    const error = toAgentError(e);
    const wasOpen = this.current.phase === 'open';
    const failures = this.failures() + 1;
    if (error instanceof ConnectionClosed) this.lastCloseCode = error.code;
    const code = this.lastCloseCode;
    const policy = options.reconnect;
    const retrying = policy !== false && this.retries(error) && failures <= policy.maxRetries;
    this.current = retrying ? { phase: 'reconnecting', failures, code } : { phase: 'dropped', failures };
    if (wasOpen || this.everOpen) this.config.disconnected();
    if (error instanceof ConnectionClosed && (AUTH_CLOSE_CODES.has(error.code) || error.code === SESSION_TAKEN_OVER_CODE)) sessions.invalidate();
    if (!(error instanceof SessionRenewed)) this.config.report(takenOver(error) ?? error);
    if (!retrying) return throwError(() => e);
    counters.reconnects++;
    if (channels.reconnect.hasSubscribers) {
      channels.reconnect.publish({ agent: this.config.agent, attempt: failures, reason: error.kind, ...(code !== undefined ? { code } : {}) });
    }
    this.emit({ status: 'reconnecting', attempt: failures, ...(code !== undefined ? { code } : {}) });
    const nominal = backoffDelay(failures, policy, options.random);
    const wait = e instanceof SessionRenewed ? 0 : e instanceof AuthFailed && e.retryAfterMs !== undefined ? Math.max(nominal, e.retryAfterMs) : nominal;
    return timer(wait, options.scheduler);
  }

  /**
   * Fatal logins, sockets that cannot even be created (a bad URL) and, unless configured otherwise,
   * a takeover by another session of the same user end the run; the rest retry.
   */
  private retries(e: unknown): boolean {
    if (takenOver(e) && this.config.options.onSessionTakenOver === 'stop') return false;
    return !(e instanceof AuthFailed && e.fatal) && !(e instanceof SocketError);
  }

  /** dropped (or a failure before any attempt) → ended; `connect()` may start over unless fatal. */
  private end(error: AgentError): void {
    this.run?.unsubscribe();
    this.run = undefined;
    const exhausted = error instanceof ConnectionClosed && !(error instanceof SessionRenewed);
    const reason = this.config.options.reconnect ? 'reconnect attempts exhausted' : 'reconnect disabled';
    const told = takenOver(error) ?? (exhausted ? new ConnectionClosed(this.lastCloseCode ?? 1006, reason) : error);
    this.current = { phase: 'ended', error: told, fatal: error.kind === 'AuthFailed' && error.fatal };
    this.emit({ status: 'closed', ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
    this.changes.next(this.current);
  }

  /** Drops since the connection was last stable (0 outside a run). */
  private failures(): number {
    const s = this.current;
    return s.phase === 'connecting' || s.phase === 'open' || s.phase === 'reconnecting' || s.phase === 'dropped' ? s.failures : 0;
  }

  private emit(state: ConnectionState): void {
    const previous = this.connectionSubject.value;
    if (state.status === 'open' && previous.status !== 'open') this.config.counters.opened();
    if (state.status !== previous.status || state.attempt !== previous.attempt) {
      const detail = [state.attempt !== undefined ? `attempt ${state.attempt}` : '', state.code !== undefined ? `after close ${state.code}` : ''].filter(Boolean).join(', ');
      this.config.log(state.status === 'reconnecting' ? 'warn' : 'info', `connection ${state.status}${detail ? ` (${detail})` : ''}`);
    }
    if (channels.connection.hasSubscribers) channels.connection.publish({ agent: this.config.agent, state });
    if (!this.connectionSubject.closed) this.connectionSubject.next(state);
  }
}

/** What waiters fail with when a run ends or the agent is disposed. */
function endOf(state: LifecycleState): AgentError {
  return state.phase === 'ended' ? state.error : new ConnectionClosed(1000, 'agent disposed');
}
