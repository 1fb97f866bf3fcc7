import { channels, type RequestMessage } from '../diagnostics/channels.js';
import type { RequestTrace } from './connection.js';
import type { SocketFactory } from '../socket/index.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import {
  BehaviorSubject,
  catchError,
  defer,
  EMPTY,
  ignoreElements,
  filter,
  map,
  merge,
  Observable,
  of,
  race,
  skip,
  Subject,
  Subscription,
  switchMap,
  take,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { createCsdsClient, wsBase, type AuthOptions, type Credentials, type Session } from '../auth/index.js';
import type { Command, CommandBody } from '../domain/commands.js';
import {
  AuthFailed,
  ConnectionClosed,
  redact,
  RequestFailed,
  RequestTimeout,
  SESSION_TAKEN_OVER_CODE,
  SessionTakenOver,
  SocketError,
  toAgentError,
  type AgentError,
} from '../domain/errors.js';
import type { AgentStateChange, ChatStateChange, ConversationChange, Identity, MessagingEvent, Ring } from '../domain/types.js';
import {
  decodeEventRecords,
  decodeWith,
  requestDefinitions,
  type Checkable,
  type EventRecord,
  type Notification,
  type RequestType,
  type Response,
  type ResponseBody,
  type TypedObject,
} from '../protocol/index.js';
import { retryBackoff } from '../operators/retryBackoff.js';
import { CommandMethods, commandResults } from './commandMethods.js';
import { openConnection, type Connection, type ConnectionSignal } from './connection.js';
import { DialogDirectory, routeNotification, unknownValueReporter, type InboundSink } from './inbound.js';
import { resolveAgentOptions, type AgentConfig, type Logger, type ResolvedAgentOptions } from './options.js';
import { createPacer, type Pacer } from './pacing.js';
import { idempotencyKeyOf, publishOnce, withIdempotencyKey } from './publish.js';
import { ReplayRegistry } from './replay.js';
import { Resume } from './resume.js';
import { SnapshotWatch } from './snapshots.js';
import { SessionKeeper } from './session.js';
import type { Agent, AgentStats, CommandResult, ConnectionState, RequestOptions } from './types.js';

/** Close codes after which the token is no longer good: log in again before reconnecting. */
const AUTH_CLOSE_CODES = new Set([4401, 4407, 1011, 1008]);

/** Open conversations counted at most (LivePerson allows 999 per bot user; a manager may see more). */
const MAX_OPEN_CONVERSATIONS = 10_000;

/** Own publish keys remembered, so joining never counts this agent's replies as someone else's answers. */
const OWN_KEYS = 10_000;

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
 * Creates an agent: one websocket, shared by every typed stream. Nothing happens until `connect()`.
 *
 * @example
 * import { createAgent, acceptWaitingRings } from 'lp-agent-rx';
 * const agent = createAgent({ accountId: '123', username: 'bot', password: process.env.LP_PASS ?? '' });
 * agent.run(agent.rings$.pipe(acceptWaitingRings()));
 * await firstValueFrom(agent.connect());
 */
export function createAgent(config: AgentConfig): Agent {
  return new LpAgent(config);
}

/**
 * The facade: wires the parts (session, connection, resume, pacing, replay, inbound) and owns the
 * streams. Each part owns one concern; everything tied to a socket lives in that socket's scope.
 */
class LpAgent extends CommandMethods implements Agent {
  private readonly options: ResolvedAgentOptions;
  private readonly credentials: Credentials;
  private readonly auth: AuthOptions;

  private readonly connectionSubject = new BehaviorSubject<ConnectionState>({ status: 'closed' });
  private readonly notificationsSubject = new Subject<Notification>();
  private readonly ringsSubject = new Subject<Ring>();
  private readonly conversationsSubject = new Subject<ConversationChange>();
  private readonly messagesSubject = new Subject<MessagingEvent>();
  private readonly chatStateSubject = new Subject<ChatStateChange>();
  private readonly agentStateSubject = new Subject<AgentStateChange>();
  private readonly errorsSubject = new Subject<AgentError>();
  private readonly resultsSubject = new Subject<CommandResult>();

  readonly connection$ = this.connectionSubject.asObservable();
  readonly notifications$ = this.notificationsSubject.asObservable();
  readonly rings$ = this.ringsSubject.asObservable();
  readonly conversations$ = this.conversationsSubject.asObservable();
  readonly messages$ = this.messagesSubject.asObservable();
  readonly chatState$ = this.chatStateSubject.asObservable();
  readonly agentState$ = this.agentStateSubject.asObservable();
  readonly errors$ = this.errorsSubject.asObservable();
  readonly results$ = this.resultsSubject.asObservable();

  private readonly sessions: SessionKeeper;
  private readonly pacer: Pacer;
  private readonly resume: Resume;
  private readonly registry = new ReplayRegistry();
  private readonly sink: InboundSink;
  private readonly warnOnce = unknownValueReporter((w) => this.emitError(w));
  private readonly dialogs = new DialogDirectory();
  /** The open, replayed connection; undefined while connecting or down. */
  private readonly ready$ = new BehaviorSubject<Connection | undefined>(undefined);
  /** Emits the error that ends a run of the connection (fatal auth, retries exhausted, dispose). */
  private readonly ended$ = new Subject<AgentError>();
  /** Runs, the refresh loop: everything that lives as long as the agent. */
  private readonly lifetime = new Subscription();
  /** The connection's run, while there is one. */
  private running: Subscription | undefined;
  private disposed = false;
  /** Sockets opened and not yet closed (a disposed agent's socket may still be closing). */
  private liveSockets = 0;
  private readonly closedWaiters: (() => void)[] = [];
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
      return this.options.socketFactory(url, { ...handlers, onClose: (code, reason) => (settle(), handlers.onClose(code, reason)) }, options);
    } catch (e) {
      settle();
      throw e;
    }
  };
  private everReady = false;
  private fatalError: AgentError | undefined;
  private lastCloseCode: number | undefined;
  private nextId = 0;
  /** Drops since the connection was last stable: the attempt number, and when retries run out. */
  private failures = 0;
  private readonly ownKeys = new Set<string>();
  /** What each QueryMessages response delivered, for `queryMessages()` to return. */
  private readonly queried = new WeakMap<Response, MessagingEvent[]>();
  private readonly logger: Logger;
  /** For `stats()`. */
  private readonly counts = { reconnects: 0, pending: 0, in: 0, out: 0, openedAt: 0, rtt: undefined as number | undefined, skew: undefined as number | undefined };
  private readonly openConversations = new Set<string>();
  /** After a reconnect, what the replayed subscriptions' snapshots say is still open. */
  private readonly snapshots = new SnapshotWatch((open) => {
    for (const id of this.openConversations) if (!open.has(id)) this.openConversations.delete(id);
    this.resume.reconcile(open);
  });

  constructor(config: AgentConfig) {
    super();
    this.options = resolveAgentOptions(config);
    const { logger } = this.options;
    this.logger = logger.child ? logger.child({ lib: 'lp-agent-rx', accountId: config.accountId }) : logger;
    this.credentials = config;
    // Auth reads the agent's clock: CSDS expiry and session ages follow virtual time in a simulation.
    this.auth = { ...config, now: this.options.now };
    const report = (e: AgentError): void => this.emitError(e);
    const log = (level: 'debug' | 'info' | 'warn', message: string): void => this.log(level, message);
    this.sessions = new SessionKeeper({
      credentials: config,
      auth: this.auth,
      csds: createCsdsClient(this.auth),
      scheduler: this.options.scheduler,
      refreshInterval: this.options.refreshInterval,
      refreshRetryInterval: this.options.refreshRetryInterval,
      loginTimeout: config.loginTimeout ?? 10_000,
      report,
      log,
    });
    this.pacer = createPacer(this.options.pacing, this.options.scheduler);
    this.resume = new Resume({
      follow: this.options.follow,
      resumeFrom: this.options.resumeFrom,
      scheduler: this.options.scheduler,
      query: (dialogId, after, max) => this.queryRecords(dialogId, after, max),
      pace: (task$, priority) => this.pacer.schedule(task$, priority),
      identity: () => this.identity,
      conversationOf: (dialogId) => this.dialogs.conversationOf(dialogId),
      deliver: (e) => {
        this.counts.in++;
        if (channels.message.hasSubscribers) channels.message.publish({ agent: this, direction: 'in', eventType: e.type, event: e });
        this.messagesSubject.next(e);
      },
      chatState: (c) => this.chatStateSubject.next(c),
      report,
      isOwn: (e) => {
        const key = idempotencyKeyOf(e);
        return key !== undefined && this.ownKeys.has(key);
      },
      fetched: (dialogId, records, join) => {
        if (!channels.catchUp.hasSubscribers) return;
        let oldest = Infinity;
        for (const r of records) if (r.serverTimestamp !== undefined && r.serverTimestamp < oldest) oldest = r.serverTimestamp;
        const lag = oldest === Infinity ? 0 : Math.max(0, this.options.now() - oldest);
        channels.catchUp.publish({ agent: this, dialogId, kind: join ? 'join' : 'catch-up', records: records.length, lag });
      },
    });
    this.sink = {
      ring: (r) => this.ringsSubject.next(r),
      conversation: (c) => {
        if (c.type === 'DELETE' || c.conversation.state === 'CLOSE' || c.myRole === undefined) this.openConversations.delete(c.convId);
        else if (this.openConversations.size < MAX_OPEN_CONVERSATIONS || this.openConversations.has(c.convId)) this.openConversations.add(c.convId);
        this.conversationsSubject.next(c);
        this.resume.onConversation(c);
      },
      event: (e) => this.resume.onLive(e),
      chatState: (c) => this.chatStateSubject.next(c),
      agentState: (s) => this.agentStateSubject.next(s),
      warning: report,
    };
    if (channels.agent.hasSubscribers) channels.agent.publish({ agent: this, event: 'created' });
  }

  /** Who this agent is; known from the first login on. */
  get identity(): Identity | undefined {
    return this.sessions.identity;
  }

  // ---------------------------------------------------------------- connection

  connect(): Observable<void> {
    return defer(() => {
      if (this.disposed) return throwError(() => new ConnectionClosed(1000, 'agent disposed'));
      if (this.ready$.value) return of(undefined);
      const fatal = this.fatalError;
      if (fatal) return throwError(() => fatal);
      const outcome$ = race(
        this.ready$.pipe(filter(Boolean), map((): void => undefined)),
        this.ended$.pipe(switchMap((e) => throwError(() => e))),
      ).pipe(take(1));
      // Listening first: a run can end inside start() (a refused token, no retry), before it returns.
      return new Observable<void>((subscriber) => {
        const outcome = outcome$.subscribe(subscriber);
        if (!this.running) this.start();
        return outcome;
      });
    });
  }

  /** Starts a run: login, connection, reconnects under the policy, until fatal, exhausted or disposed. */
  private start(): void {
    this.failures = 0;
    if (this.lifetime.closed) return;
    this.running = new Subscription();
    this.running.add(this.sessions.refreshes().subscribe());
    this.running.add(
      this.lifecycle().subscribe({
        error: (e: unknown) => this.end(toAgentError(e)),
      }),
    );
  }

  private lifecycle(): Observable<ConnectionSignal> {
    const policy = this.options.reconnect;
    const attempt$ = defer(() => {
      const status = this.everReady || this.failures > 0 ? 'reconnecting' : 'connecting';
      this.status({ status, attempt: Math.max(1, this.failures), ...(this.failures > 0 && this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
      return this.sessions.ensure();
    }).pipe(
      switchMap((session) => merge(this.open(session), this.renewals())),
      tap({
        next: (signal) => {
          if (signal.type === 'ready') this.onReady(signal.connection);
          else this.failures = 0;
        },
        error: (e: unknown) => this.onDrop(e),
      }),
      // Only `stable` passes: the reconnect count resets after a stable period, not on open.
      filter((signal) => signal.type === 'stable'),
    );
    if (!policy) return attempt$;
    return attempt$.pipe(
      retryBackoff({
        ...policy,
        resetOnSuccess: true,
        scheduler: this.options.scheduler,
        shouldRetry: (e) => this.retries(e),
        retryAfter: (e, nominal) =>
          e instanceof SessionRenewed ? 0 : e instanceof AuthFailed && e.retryAfterMs !== undefined ? Math.max(nominal, e.retryAfterMs) : undefined,
      }),
    );
  }

  /** Errors with `SessionRenewed` when a refresh ends the session this connection runs on. */
  private renewals(): Observable<never> {
    return this.sessions.expired$.pipe(
      skip(1),
      take(1),
      switchMap(() => throwError(() => new SessionRenewed())),
    );
  }

  private open(session: Session): Observable<ConnectionSignal> {
    const host = session.domains[this.options.wsService] ?? session.domains['asyncMessagingEnt'];
    if (!host) return throwError(() => new AuthFailed(`no host for service ${this.options.wsService} in account ${session.accountId}`, 'csds', true));
    const url = `${wsBase(host, this.auth.secure)}/ws_api/account/${session.accountId}/messaging/brand/${session.bearer}?v=${this.options.apiVersion}`;
    this.log('debug', `opening ${url}`);
    const ca = this.auth.ca;
    return openConnection({
      url,
      factory: this.countedFactory,
      trace: (type, reqId) => this.trace(type, reqId),
      ...(ca ? { socketOptions: { ca } } : {}),
      scheduler: this.options.scheduler,
      keepAlive: this.options.keepAlive,
      requestTimeout: this.options.requestTimeout,
      stableAfter: this.options.stableAfter,
      maxFrameLength: this.options.maxFrameLength,
      nextId: () => String(++this.nextId),
      onNotification: (n) => this.onNotification(n),
      replay: (connection) => this.replay(connection),
      report: (e) => this.emitError(e),
      log: (level, message) => this.log(level, message),
    });
  }

  /** Replays the remembered subscriptions and state on a new socket (nothing on the first). */
  private replay(connection: Connection): Observable<unknown> {
    const entries = this.everReady ? this.registry.toReplay() : [];
    this.snapshots.expect(entries.some((e) => e.command.type === '.ams.aam.SubscribeExConversations'));
    return merge(
      ...entries.map((entry) => {
        const reqId = String(++this.nextId);
        const { requestTimeout, scheduler } = this.options;
        return connection.request(reqId, entry.command.type, entry.command.body).pipe(
          // No answer: the socket is given up and the next one replays again (never "reconnecting" for ever).
          timeout({ first: requestTimeout, scheduler, with: () => throwError(() => new RequestTimeout(entry.command.type, reqId, requestTimeout)) }),
          tap((response) => {
            const id = this.registry.learn(entry, response);
            if (id !== undefined) this.snapshots.awaiting(id);
          }),
          ignoreElements(),
          // A replayed request the server refuses is reported; the connection still opens.
          catchError((e: unknown) => {
            if (e instanceof RequestTimeout) return throwError(() => e);
            if (entry.command.type === '.ams.aam.SubscribeExConversations') this.snapshots.cancel();
            this.emitError(toAgentError(e));
            return EMPTY;
          }),
        );
      }),
    ).pipe(tap({ complete: () => this.snapshots.replayed() }));
  }

  private onReady(connection: Connection): void {
    this.everReady = true;
    this.ready$.next(connection);
    this.status({ status: 'open' });
    this.resume.onReady();
  }

  private onDrop(e: unknown): void {
    const error = toAgentError(e);
    const wasReady = this.ready$.value !== undefined;
    this.ready$.next(undefined);
    if (wasReady || this.everReady) this.resume.onDisconnected();
    if (error instanceof ConnectionClosed) {
      this.lastCloseCode = error.code;
      if (AUTH_CLOSE_CODES.has(error.code) || error.code === SESSION_TAKEN_OVER_CODE) this.sessions.invalidate();
    }
    if (!(error instanceof SessionRenewed)) this.emitError(takenOver(error) ?? error);
    this.failures += 1;
    const policy = this.options.reconnect;
    if (policy && this.retries(error) && this.failures <= policy.maxRetries) {
      this.counts.reconnects++;
      if (channels.reconnect.hasSubscribers) {
        channels.reconnect.publish({ agent: this, attempt: this.failures, reason: error.kind, ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
      }
      this.status({ status: 'reconnecting', attempt: this.failures, ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
    }
  }

  /**
   * Fatal logins, sockets that cannot even be created (a bad URL) and, unless configured otherwise,
   * a takeover by another session of the same user end the run; the rest retry.
   */
  private retries(e: unknown): boolean {
    if (takenOver(e) && this.options.onSessionTakenOver === 'stop') return false;
    return !(e instanceof AuthFailed && e.fatal) && !(e instanceof SocketError);
  }

  /** Ends this run (fatal error or retries exhausted); `connect()` may start over unless fatal. */
  private end(error: AgentError): void {
    this.running?.unsubscribe();
    this.running = undefined;
    if (error.kind === 'AuthFailed' && error.fatal) this.fatalError = error;
    const exhausted = error instanceof ConnectionClosed && !(error instanceof SessionRenewed);
    const reason = this.options.reconnect ? 'reconnect attempts exhausted' : 'reconnect disabled';
    this.status({ status: 'closed', ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
    this.ended$.next(takenOver(error) ?? (exhausted ? new ConnectionClosed(this.lastCloseCode ?? 1006, reason) : error));
  }

  private status(state: ConnectionState): void {
    const previous = this.connectionSubject.value;
    if (state.status === 'open' && previous.status !== 'open') this.counts.openedAt = this.options.now();
    if (state.status !== previous.status || state.attempt !== previous.attempt) {
      const detail = [state.attempt !== undefined ? `attempt ${state.attempt}` : '', state.code !== undefined ? `after close ${state.code}` : ''].filter(Boolean).join(', ');
      this.log(state.status === 'reconnecting' ? 'warn' : 'info', `connection ${state.status}${detail ? ` (${detail})` : ''}`);
    }
    if (channels.connection.hasSubscribers) channels.connection.publish({ agent: this, state });
    if (!this.connectionSubject.closed) this.connectionSubject.next(state);
  }

  report(error: unknown): void {
    this.emitError(toAgentError(error));
  }

  stats(): AgentStats {
    const { counts } = this;
    const { status } = this.connectionSubject.value;
    return {
      status,
      uptime: status === 'open' ? Math.round(this.options.now() - counts.openedAt) : 0,
      reconnects: counts.reconnects,
      rtt: counts.rtt,
      clockSkew: counts.skew,
      pendingRequests: counts.pending,
      openConversations: this.openConversations.size,
      followedDialogs: this.resume.dialogs,
      catchUpBacklog: this.resume.backlog,
      messagesIn: counts.in,
      messagesOut: counts.out,
    };
  }

  /** Watches one request on the wire: pending count, GetClock's round trip and skew, the tracing channel. */
  private trace(type: string, reqId: string): RequestTrace {
    this.counts.pending++;
    const startedAt = this.options.now();
    const traced = channels.requestStart.hasSubscribers || channels.requestEnd.hasSubscribers || channels.requestError.hasSubscribers;
    const context: RequestMessage | undefined = traced ? { agent: this, type, reqId, startedAt } : undefined;
    if (context) channels.requestStart.publish(context);
    let settled = false;
    const settle = (outcome: NonNullable<RequestMessage['outcome']>, code: number | undefined, error: AgentError | undefined): void => {
      if (settled) return;
      settled = true;
      this.counts.pending--;
      if (!context) return;
      context.duration = this.options.now() - startedAt;
      context.outcome = outcome;
      if (code !== undefined) context.code = code;
      if (error) {
        context.error = error;
        channels.requestError.publish(context);
      }
      channels.requestEnd.publish(context);
    };
    return {
      answered: (response) => {
        if (type === '.GetClock' && response.code < 400) {
          const rtt = this.options.now() - startedAt;
          this.counts.rtt = Math.round(rtt);
          const body = response.body;
          const serverTime = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['currentTime'] : undefined;
          if (typeof serverTime === 'number') this.counts.skew = Math.round(serverTime - (startedAt + rtt / 2));
        }
        settle(response.code < 400 ? 'ok' : 'failed', response.code, response.code < 400 ? undefined : new RequestFailed(type, reqId, response.code, response.body));
      },
      failed: (error) => settle(error ? 'failed' : 'cancelled', undefined, error),
    };
  }

  // ---------------------------------------------------------------- inbound

  private onNotification(n: Notification): void {
    if (this.notificationsSubject.observed) this.notificationsSubject.next(n);
    const identity = this.identity;
    if (identity) routeNotification(n, identity, this.sink, this.warnOnce, this.dialogs);
    if (n.known && n.type === '.ams.aam.ExConversationChangeNotification') this.snapshots.onSnapshot(n.body.subscriptionId, n.body.changes.map((c) => c.result.convId));
  }

  // ---------------------------------------------------------------- outbound

  request(type: string, body: unknown = {}, options: RequestOptions = {}): Observable<Response> {
    return this.send(type, body, options.metadata, options.timeout ?? this.options.requestTimeout);
  }

  /**
   * Sends once the connection is ready (waiting for it counts toward the timeout). Fails with
   * `ConnectionClosed` when the run ends or the agent is disposed first.
   */
  private send(type: string, body: unknown, metadata: readonly TypedObject[] | undefined, timeoutMs: number): Observable<Response> {
    return defer(() => {
      const reqId = String(++this.nextId);
      if (this.disposed) return throwError(() => new ConnectionClosed(1000, 'agent disposed', type, reqId));
      if (!this.running && this.everReady) return throwError(() => new ConnectionClosed(this.lastCloseCode ?? 1006, 'not connected', type, reqId));
      // Ready now (the usual case): straight to the connection, without the wait for readiness.
      const ready = this.ready$.value;
      const request$ = ready
        ? ready.request(reqId, type, body, metadata)
        : race(
            this.ready$.pipe(filter((c): c is Connection => c !== undefined)),
            this.ended$.pipe(switchMap((e) => throwError(() => new ConnectionClosed(e instanceof ConnectionClosed ? e.code : (this.lastCloseCode ?? 1006), 'not connected', type, reqId)))),
          ).pipe(
            take(1),
            switchMap((connection) => connection.request(reqId, type, body, metadata)),
          );
      return request$.pipe(
        timeout({ first: timeoutMs, scheduler: this.options.scheduler, with: () => throwError(() => new RequestTimeout(type, reqId, timeoutMs)) }),
      );
    });
  }

  execute(command: Command): Observable<Response> {
    if (command.type !== '.ams.ms.PublishEvent' || command.body.event.type === 'ChatStateEvent') return this.executeFilled(command);
    const eventType = command.body.event.type;
    return this.executeFilled(command).pipe(
      tap(() => {
        this.counts.out++;
        if (channels.message.hasSubscribers) channels.message.publish({ agent: this, direction: 'out', eventType });
      }),
    );
  }

  private executeFilled(command: Command): Observable<Response> {
    return defer(() => {
      const filled = this.complete(command);
      if (filled.type === '.ams.ms.PublishEvent' && this.options.publishAttempts > 0 && filled.body.event.type !== 'ChatStateEvent') {
        const keyed = withIdempotencyKey(filled, () => this.newKey());
        const key = idempotencyKeyOf(keyed);
        if (key !== undefined) this.rememberKey(key);
        return publishOnce(keyed, this.resume.highest(keyed.body.dialogId), {
          send: (c) => this.sendCommand(c),
          history: (dialogId, after) => this.resume.lookup(dialogId, after),
          attempts: this.options.publishAttempts,
        });
      }
      const entry = this.registry.remember(filled);
      if (!entry) return this.sendCommand(filled);
      entry.inFlight = true;
      return this.sendCommand(filled).pipe(
        tap((response) => this.registry.learn(entry, response)),
        tap({ finalize: () => (entry.inFlight = false) }),
      );
    });
  }

  /** Sends a command; QueryMessages records are delivered on `messages$` however the query was sent. */
  private sendCommand(command: Command): Observable<Response> {
    const response$ = this.send(command.type, command.body, command.metadata, this.options.requestTimeout);
    if (command.type !== '.ams.ms.QueryMessages') return response$;
    return response$.pipe(
      map((response) => {
        const records = this.decodeRecords(response);
        this.queried.set(response, this.resume.onRecords(records));
        return response;
      }),
    );
  }

  /** One page of history for the resume part: decoded, not yet delivered (resume delivers it in order). */
  private queryRecords(dialogId: string, after: number, max: number): Observable<readonly EventRecord[]> {
    return defer(() =>
      this.send('.ams.ms.QueryMessages', { dialogId, newerThanSequence: after, maxQuantity: max }, undefined, this.options.requestTimeout),
    ).pipe(map((response) => this.decodeRecords(response)));
  }

  /** A history answer, record by record: a bad record is one error on errors$, the others are kept. */
  private decodeRecords(response: Response): readonly EventRecord[] {
    const { records, problems, unknownValues } = decodeEventRecords(response.body, response.reqId);
    for (const p of problems) this.emitError(p);
    for (const u of unknownValues) this.warnOnce(u.enumName, u.value, '.ams.ms.QueryMessages$Response');
    return records;
  }

  private newKey(): string {
    return `lp-agent-rx:${this.options.newId()}`;
  }

  private rememberKey(key: string): void {
    this.ownKeys.add(key);
    if (this.ownKeys.size > OWN_KEYS) {
      const [oldest] = this.ownKeys;
      if (oldest !== undefined) this.ownKeys.delete(oldest);
    }
  }

  /** Fills in what the agent knows itself: its legacy id, the brand id, the channel. */
  private complete(command: Command): Command {
    const me = this.identity;
    const legacyId = me?.legacyId ?? '';
    const brandId = me?.accountId ?? this.credentials.accountId;
    switch (command.type) {
      case '.ams.routing.SetAgentState':
        return { ...command, body: { channels: ['MESSAGING'], agentUserId: legacyId, ...command.body } };
      case '.ams.routing.SubscribeRoutingTasks':
        return { ...command, body: { channelType: 'MESSAGING', agentId: legacyId, brandId, ...command.body } };
      case '.ams.routing.SubscribeAgentsState':
        return { ...command, body: { brandId, agentId: legacyId, ...command.body } };
      case '.ams.cm.AgentRequestConversation':
        return { ...command, body: { channelType: 'MESSAGING', ...command.body } };
      case '.ams.ms.QueryMessages':
        return command.body.newerThanSequence === undefined ? { ...command, body: { ...command.body, newerThanSequence: command.body.fromSeq ?? 0 } } : command;
      case '.ams.aam.SubscribeExConversations': {
        const agentIds = command.body.agentIds?.map((id) => (me?.userPid && id === me.userPid ? legacyId : id));
        return agentIds ? { ...command, body: { ...command.body, agentIds } } : command;
      }
      case '.ams.cm.UpdateConversationField': {
        const fields = Array.isArray(command.body.conversationField) ? command.body.conversationField : [command.body.conversationField];
        const conversationField = fields.map((f) => (f.field === 'ParticipantsChange' && !f.userId ? { ...f, userId: legacyId } : f));
        return { ...command, body: { ...command.body, conversationField } };
      }
      default:
        return command;
    }
  }

  call<K extends RequestType>(type: K, body: CommandBody<K>, metadata?: TypedObject[]): Observable<ResponseBody<K>> {
    // The definition table ties K's body and response codecs together; TypeScript cannot see it.
    const command = { type, body, ...(metadata ? { metadata } : {}) } as Command;
    const codec = requestDefinitions[type].response as Checkable<ResponseBody<K>>;
    return this.execute(command).pipe(
      map((resp) => {
        const decoded = decodeWith(codec, resp.body, `${type} response`, 'body', resp.reqId);
        // The caller asked: the failure is theirs alone (the errors$ contract), never reported twice.
        if (isLeft(decoded)) throw decoded.left;
        return decoded.right;
      }),
    );
  }

  run(commands$: Observable<Command>): Subscription {
    const sub = commandResults(commands$, (c) => this.execute(c), (e) => this.emitError(e)).subscribe((result) =>
      this.resultsSubject.next(result),
    );
    this.lifetime.add(sub);
    return sub;
  }

  override unsubscribeExConversations(body: CommandBody<'.ams.aam.UnsubscribeExConversations'>) {
    // The caller holds the id of its first subscribe; a replay after a reconnect got a newer one.
    const subscriptionId = this.registry.forgetSubscription(body.subscriptionId) ?? body.subscriptionId;
    return super.unsubscribeExConversations({ ...body, subscriptionId });
  }

  queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]> {
    // The records are decoded and delivered once, by sendCommand; here they are only handed back.
    return this.execute({ type: '.ams.ms.QueryMessages', body }).pipe(map((response) => this.queried.get(response) ?? []));
  }

  // ---------------------------------------------------------------- teardown

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (channels.agent.hasSubscribers) channels.agent.publish({ agent: this, event: 'disposed' });
    // Anyone waiting on connect() or on the connection hears of it before the streams complete.
    this.ended$.next(new ConnectionClosed(1000, 'agent disposed'));
    this.running?.unsubscribe();
    this.running = undefined;
    this.lifetime.unsubscribe();
    this.pacer.dispose();
    this.resume.dispose();
    this.sessions.dispose();
    this.ready$.next(undefined);
    this.status({ status: 'closed', code: 1000 });
    for (const s of [
      this.connectionSubject,
      this.notificationsSubject,
      this.ringsSubject,
      this.conversationsSubject,
      this.messagesSubject,
      this.chatStateSubject,
      this.agentStateSubject,
      this.errorsSubject,
      this.resultsSubject,
      this.ended$,
      this.ready$,
    ]) {
      s.complete();
    }
    this.settleClosed();
  }

  closed(): Promise<void> {
    return new Promise((resolve) => {
      this.closedWaiters.push(resolve);
      this.settleClosed();
    });
  }

  private settleClosed(): void {
    if (this.disposed && this.liveSockets === 0) for (const resolve of this.closedWaiters.splice(0)) resolve();
  }

  private emitError(error: AgentError): void {
    if (channels.decode.hasSubscribers && (error.kind === 'DecodeError' || error.kind === 'DecodeWarning' || error.kind === 'NormalizeWarning')) {
      channels.decode.publish({ agent: this, error });
    }
    this.log(error.kind === 'NormalizeWarning' ? 'warn' : 'error', `${error.kind}: ${error.message}`);
    if (!this.errorsSubject.closed) this.errorsSubject.next(error);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    // Every line is masked here, the one way out: a secret must never reach a log line.
    if (this.logger[level]) this.logger[level]?.(redact(message));
  }
}
