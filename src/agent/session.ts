import { BehaviorSubject, catchError, defer, EMPTY, exhaustMap, Observable, of, switchMap, tap, throwError, timeout, timer, type SchedulerLike } from 'rxjs';
import { login, refreshSession, type AuthOptions, type Credentials, type CsdsClient, type Session } from '../auth/index.js';
import { AuthFailed, redact, type AgentError } from '../domain/errors.js';
import type { Identity } from '../domain/types.js';
import { retryBackoff } from '../operators/retryBackoff.js';

/**
 * How the session part logs in and keeps the session alive.
 *
 * @example
 * new SessionKeeper({ credentials, auth, csds, scheduler, refreshInterval: 600_000, report, log });
 */
export interface SessionConfig {
  readonly credentials: Credentials;
  readonly auth: AuthOptions;
  readonly csds: CsdsClient;
  readonly scheduler: SchedulerLike;
  /** Refresh period in ms; 0 disables. */
  readonly refreshInterval: number;
  /** Delay before the first retry of a failed refresh (5xx, network), in ms. */
  readonly refreshRetryInterval: number;
  /** Timeout of one login or refresh call, in ms. */
  readonly loginTimeout: number;
  report(error: AgentError): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/**
 * The session part: logs in when asked and keeps one refresh loop per session. The loop is a
 * function of the session (`session$` → `switchMap` → `timer`), so a new login cancels the old
 * loop by construction. A refresh answered 401 ends the session and says so on `expired$` (the
 * connection moves to a fresh login); 429 waits out Retry-After; 5xx and network errors retry with
 * backoff and never touch the socket.
 *
 * @example
 * const sessions = new SessionKeeper(config);
 * sessions.refreshes().subscribe(); // for the agent's lifetime
 * sessions.ensure().subscribe((session) => open(session));
 */
export class SessionKeeper {
  private readonly sessionSubject = new BehaviorSubject<Session | undefined>(undefined);
  private readonly expiredSubject = new BehaviorSubject<number>(0);
  private stale = true;
  private me: Identity | undefined;

  constructor(private readonly config: SessionConfig) {}

  /** Who the agent is, from its latest login (kept across re-logins). */
  get identity(): Identity | undefined {
    return this.me;
  }

  /** The live session, if any. */
  get current(): Session | undefined {
    return this.sessionSubject.value;
  }

  /** Counts sessions ended by a refresh's 401; the connection restarts on each new value. */
  get expired$(): Observable<number> {
    return this.expiredSubject.asObservable();
  }

  /** The next `ensure()` logs in again (the token was refused: an auth close code, a 401). */
  invalidate(): void {
    this.stale = true;
  }

  /**
   * The session to connect with: the live one, or a fresh login. Cold. A caller-supplied token
   * that was refused fails fatally, since it cannot be renewed here.
   */
  ensure(): Observable<Session> {
    return defer(() => {
      const session = this.sessionSubject.value;
      if (session && !this.stale) return of(session);
      if (this.me && 'token' in this.config.credentials) {
        return throwError(() => new AuthFailed('the caller-supplied bearer token was rejected and cannot be renewed', 'handshake', true));
      }
      return this.abortable('login', (signal) => login(this.config.credentials, this.config.auth, this.config.csds, signal)).pipe(
        tap((fresh) => {
          this.config.log('info', `logged in to account ${fresh.accountId} as ${fresh.legacyId}`);
          this.stale = false;
          this.me = { accountId: fresh.accountId, legacyId: fresh.legacyId, ...(fresh.userPid ? { userPid: fresh.userPid } : {}) };
          this.sessionSubject.next(fresh);
        }),
      );
    });
  }

  /**
   * The refresh loop of whichever session is live: subscribe once, for the agent's lifetime.
   * Never errors; failures are reported.
   */
  refreshes(): Observable<never> {
    const { refreshInterval, scheduler } = this.config;
    return this.sessionSubject.pipe(
      switchMap((session) =>
        !session?.csrf || refreshInterval <= 0
          ? EMPTY
          : timer(refreshInterval, refreshInterval, scheduler).pipe(exhaustMap(() => this.refreshOnce(session))),
      ),
    );
  }

  private refreshOnce(session: Session): Observable<never> {
    return this.abortable('refresh', (signal) => refreshSession(session, this.config.auth, signal)).pipe(
      tap({ next: () => this.config.log('debug', 'session refreshed'), error: (e: unknown) => this.config.report(asAuthFailed(e)) }),
      retryBackoff({
        initialInterval: this.config.refreshRetryInterval,
        ratio: 2,
        maxRetries: 5,
        scheduler: this.config.scheduler,
        shouldRetry: (e) => !isUnauthorized(e),
        retryAfter: (e) => (e instanceof AuthFailed ? e.retryAfterMs : undefined),
      }),
      switchMap(() => EMPTY),
      catchError((e: unknown) => {
        if (isUnauthorized(e) && this.sessionSubject.value === session) {
          // The session is gone: the next connection logs in again, and this loop ends with it.
          this.config.log('warn', 'session refresh answered 401: logging in again');
          this.stale = true;
          this.sessionSubject.next(undefined);
          this.expiredSubject.next(this.expiredSubject.value + 1);
        }
        return EMPTY;
      }),
    );
  }

  /**
   * An auth call as a cold Observable: unsubscribing (a dispose, a new session) aborts the request,
   * and its timeout runs on the scheduler, so virtual time decides it as it decides everything else.
   */
  private abortable<T>(stage: 'login' | 'refresh', call: (signal: AbortSignal) => Promise<T>): Observable<T> {
    const { loginTimeout, scheduler } = this.config;
    return new Observable<T>((subscriber) => {
      const controller = new AbortController();
      call(controller.signal).then(
        (value) => {
          subscriber.next(value);
          subscriber.complete();
        },
        (e: unknown) => subscriber.error(e),
      );
      return () => controller.abort();
    }).pipe(
      timeout({ first: loginTimeout, scheduler, with: () => throwError(() => new AuthFailed(`${stage} timed out after ${loginTimeout} ms`, stage, false)) }),
    );
  }

  /** Ends the refresh loop for good. */
  dispose(): void {
    this.sessionSubject.complete();
    this.expiredSubject.complete();
  }
}

function isUnauthorized(e: unknown): boolean {
  return e instanceof AuthFailed && e.status === 401;
}

function asAuthFailed(e: unknown): AuthFailed {
  return e instanceof AuthFailed ? e : new AuthFailed(`refresh failed: ${redact(e instanceof Error ? e.message : String(e))}`, 'refresh', false);
}
