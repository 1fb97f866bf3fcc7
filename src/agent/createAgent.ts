import { isLeft } from 'fp-ts/lib/Either.js';
import {
  BehaviorSubject,
  defer,
  map,
  Observable,
  of,
  Subject,
  Subscription,
  take,
  tap,
  throwError,
  type Observer,
} from 'rxjs';
import { createCsdsClient, login, refreshSession, wsBase, type AuthOptions, type Credentials, type Session } from '../auth/index.js';
import type { Command, CommandBody } from '../domain/commands.js';
import {
  AuthFailed,
  ConnectionClosed,
  DecodeError,
  RequestFailed,
  RequestTimeout,
  SocketError,
  redact,
  toAgentError,
  type AgentError,
} from '../domain/errors.js';
import {
  SequenceTracker,
  normalizeAgentState,
  normalizeConversationChanges,
  normalizeEventRecord,
  normalizeRings,
} from '../domain/index.js';
import type { AgentStateChange, ChatStateChange, ConversationChange, Identity, MessagingEvent, Ring } from '../domain/types.js';
import {
  decodeFrame,
  decodeWith,
  requestDefinitions,
  type Checkable,
  type EventRecord,
  QueryMessagesResponse,
  type KnownNotification,
  type Notification,
  type RequestType,
  type Response,
  type ResponseBody,
  type TypedObject,
} from '../protocol/index.js';
import type { WebSocketLike } from '../socket/index.js';
import { backoffDelay } from '../operators/retryBackoff.js';
import { CommandMethods, commandResults } from './commandMethods.js';
import { resolveAgentOptions, type AgentConfig, type ResolvedAgentOptions } from './options.js';
import type { Agent, CommandResult, ConnectionState, RequestOptions } from './types.js';

/** Close codes after which the token is no longer good: log in again before reconnecting. */
const AUTH_CLOSE_CODES = new Set([4401, 4407, 1011, 1008]);

interface Pending {
  type: string;
  observer: Observer<Response>;
}

interface Remembered {
  key: string;
  command: Command;
  /** True while its own request is queued or in flight, so a replay does not send it twice. */
  inFlight: boolean;
  /** The subscription the server gave it last (a replay gets a new one). */
  subscriptionId?: string;
}

/**
 * Creates an agent: one websocket, shared by every typed stream. Nothing happens until `connect()`.
 *
 * @example
 * import { createAgent, acceptWaitingRings } from 'lp-agent-rx';
 * const agent = createAgent({ accountId: '123', username: 'bot', password: process.env.LP_PASS ?? '' });
 * await firstValueFrom(agent.connect());
 * agent.subscribeRoutingTasks().subscribe();
 * agent.rings$.subscribe((ring) => console.log(ring.ringId, ring.ringState));
 */
export function createAgent(config: AgentConfig): Agent {
  return new LpAgent(config);
}

class LpAgent extends CommandMethods implements Agent {
  private readonly options: ResolvedAgentOptions;
  private readonly credentials: Credentials;
  private readonly authOptions: AuthOptions;
  private readonly csds;

  private readonly connectionSubject = new BehaviorSubject<ConnectionState>({ status: 'closed' });
  private readonly notificationsSubject = new Subject<Notification>();
  private readonly ringsSubject = new Subject<Ring>();
  private readonly conversationsSubject = new Subject<ConversationChange>();
  private readonly messagesSubject = new Subject<MessagingEvent>();
  private readonly chatStateSubject = new Subject<ChatStateChange>();
  private readonly agentStateSubject = new Subject<AgentStateChange>();
  private readonly errorsSubject = new Subject<AgentError>();
  private readonly resultsSubject = new Subject<CommandResult>();
  /** Emits each time the socket is open and subscriptions are replayed. */
  private readonly readySubject = new Subject<void>();
  /** Emits the error that ends a run of connect() (fatal auth, retries exhausted). */
  private readonly closedSubject = new Subject<AgentError>();

  readonly connection$ = this.connectionSubject.asObservable();
  readonly notifications$ = this.notificationsSubject.asObservable();
  readonly rings$ = this.ringsSubject.asObservable();
  readonly conversations$ = this.conversationsSubject.asObservable();
  readonly messages$ = this.messagesSubject.asObservable();
  readonly chatState$ = this.chatStateSubject.asObservable();
  readonly agentState$ = this.agentStateSubject.asObservable();
  readonly errors$ = this.errorsSubject.asObservable();
  readonly results$ = this.resultsSubject.asObservable();

  private session: Session | undefined;
  private needsLogin = true;
  private socket: WebSocketLike | undefined;
  /** Bumped for every socket, so callbacks of an old socket are ignored. */
  private generation = 0;
  private phase: 'idle' | 'connecting' | 'replaying' | 'ready' | 'waiting' | 'closed' = 'idle';
  /** Attempts in this run of the connection (status only). */
  private attempt = 0;
  /** Reconnect delays scheduled since the connection was last ready: capped by `maxRetries`. */
  private retries = 0;
  private everReady = false;
  private disposed = false;
  /** A fatal auth failure: connect() fails with it from then on. */
  private fatalError: AgentError | undefined;
  private lastCloseCode: number | undefined;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  /** Requests waiting for the connection to be ready. */
  private readonly waiting = new Set<() => void>();
  private readonly remembered = new Map<string, Remembered>();
  /** Timers and runs tied to the agent's life: keep-alive, refresh, reconnect, `run` subscriptions. */
  private readonly lifetime = new Subscription();
  private socketTimers = new Subscription();
  private reconnectTimer: Subscription | undefined;
  private awaitingPong = false;
  /** Per-dialog sequences delivered on messages$: drops duplicates and knows where to re-query from. */
  private readonly sequences = new SequenceTracker();
  /** Live events held per dialog while it is re-queried after a reconnect, so messages$ stays in order. */
  private readonly catchingUp = new Map<string, MessagingEvent[]>();
  /** What each QueryMessages response delivered, for `queryMessages()` to return. */
  private readonly queried = new WeakMap<Response, MessagingEvent[]>();

  constructor(config: AgentConfig) {
    super();
    this.options = resolveAgentOptions(config);
    this.credentials = config;
    this.authOptions = config;
    this.csds = createCsdsClient(config);
  }

  /** Who this agent is, built once per session (the inbound hot path reads it for every frame). */
  private me: Identity | undefined;

  get identity(): Identity | undefined {
    return this.me;
  }

  // ---------------------------------------------------------------- connection

  connect(): Observable<void> {
    return defer(() => {
      if (this.disposed) return throwError(() => new ConnectionClosed(1000, 'agent disposed'));
      if (this.phase === 'ready') return of(undefined);
      const fatal = this.fatalError;
      if (fatal) return throwError(() => fatal);
      if (this.phase === 'idle' || this.phase === 'closed') this.startAttempt();
      return new Observable<void>((subscriber) => {
        const sub = this.readySubject.pipe(take(1)).subscribe(() => {
          subscriber.next();
          subscriber.complete();
        });
        sub.add(this.closedSubject.pipe(take(1)).subscribe((e) => subscriber.error(e)));
        return sub;
      });
    });
  }

  private startAttempt(): void {
    this.attempt += 1;
    this.phase = 'connecting';
    const status = this.everReady || this.attempt > 1 ? 'reconnecting' : 'connecting';
    this.connectionSubject.next({ status, attempt: this.attempt, ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
    const generation = ++this.generation;
    this.ensureSession().then(
      (session) => {
        if (this.disposed || generation !== this.generation) return;
        try {
          this.openSocket(session, generation);
        } catch (e) {
          // A URL the socket refuses to parse will never work: end this run instead of looping.
          const error = new SocketError(`could not open the websocket: ${describe(e)}`);
          this.emitError(error);
          this.close(error);
        }
      },
      (error: unknown) => {
        if (this.disposed || generation !== this.generation) return;
        const failure = error instanceof AuthFailed ? error : new AuthFailed(`login failed: ${describe(error)}`, 'login', false);
        this.emitError(failure);
        if (failure.fatal) this.close(failure);
        else this.scheduleReconnect(failure.retryAfterMs ?? 0);
      },
    );
  }

  private async ensureSession(): Promise<Session> {
    if (this.session && !this.needsLogin) return this.session;
    if (this.session && 'token' in this.credentials) {
      throw new AuthFailed('the caller-supplied bearer token was rejected and cannot be renewed', 'handshake', true);
    }
    const session = await login(this.credentials, this.authOptions, this.csds);
    this.session = session;
    this.me = { accountId: session.accountId, legacyId: session.legacyId, ...(session.userPid ? { userPid: session.userPid } : {}) };
    this.needsLogin = false;
    this.startRefresh();
    return session;
  }

  private openSocket(session: Session, generation: number): void {
    const host = session.domains[this.options.wsService] ?? session.domains['asyncMessagingEnt'];
    if (!host) {
      this.close(new AuthFailed(`no host for service ${this.options.wsService} in account ${session.accountId}`, 'csds', true));
      return;
    }
    const url = `${wsBase(host, this.authOptions.secure)}/ws_api/account/${session.accountId}/messaging/brand/${session.bearer}?v=${this.options.apiVersion}`;
    this.log('debug', `opening ${redact(url)}`);
    this.socket = this.options.socketFactory(
      url,
      {
        onOpen: () => generation === this.generation && this.onOpen(generation),
        onMessage: (text) => generation === this.generation && this.onMessage(text),
        onClose: (code, reason) => generation === this.generation && this.onClose(code, reason),
        onError: (error) => generation === this.generation && this.emitError(error),
        onPong: () => {
          this.awaitingPong = false;
        },
      },
      this.ca(),
    );
  }

  private ca(): { ca: string | Buffer } | undefined {
    const ca = (this.authOptions as { ca?: string | Buffer }).ca;
    return ca ? { ca } : undefined;
  }

  private onOpen(generation: number): void {
    this.phase = 'replaying';
    if (this.everReady) for (const dialogId of this.sequences.followed()) if (!this.catchingUp.has(dialogId)) this.catchingUp.set(dialogId, []);
    this.startKeepAlive();
    const replay = this.everReady ? [...this.remembered.values()].filter((r) => !r.inFlight) : [];
    if (replay.length === 0) {
      this.becomeReady();
      return;
    }
    let left = replay.length;
    const done = (): void => {
      if (generation !== this.generation) return;
      if (--left === 0) this.becomeReady();
    };
    for (const entry of replay) {
      this.send(entry.command, entry).subscribe({
        next: () => undefined,
        error: (e: unknown) => {
          this.emitError(toAgentError(e));
          done();
        },
        complete: done,
      });
    }
  }

  private becomeReady(): void {
    const reconnected = this.everReady;
    this.phase = 'ready';
    this.attempt = 0;
    this.retries = 0;
    this.everReady = true;
    if (reconnected) for (const dialogId of this.catchingUp.keys()) this.catchUp(dialogId);
    this.connectionSubject.next({ status: 'open' });
    const queued = [...this.waiting];
    this.waiting.clear();
    for (const flush of queued) flush();
    this.readySubject.next();
  }

  private onClose(code: number, reason: string): void {
    this.socket = undefined;
    this.lastCloseCode = code;
    this.socketTimers.unsubscribe();
    this.socketTimers = new Subscription();
    this.failPending(code, reason);
    if (this.disposed || this.phase === 'closed') return;
    this.emitError(new ConnectionClosed(code, reason));
    if (AUTH_CLOSE_CODES.has(code)) this.needsLogin = true;
    this.scheduleReconnect();
  }

  /** @param minDelay At least this long (a 429's Retry-After). */
  private scheduleReconnect(minDelay = 0): void {
    const policy = this.options.reconnect;
    if (!policy || this.retries >= policy.maxRetries) {
      this.close(new ConnectionClosed(this.lastCloseCode ?? 1006, policy ? 'reconnect attempts exhausted' : 'reconnect disabled'));
      return;
    }
    this.phase = 'waiting';
    this.retries += 1;
    const delay = Math.max(minDelay, backoffDelay(this.retries, policy));
    this.connectionSubject.next({
      status: 'reconnecting',
      attempt: this.attempt + 1,
      ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}),
    });
    this.log('info', `reconnecting in ${delay} ms`);
    this.reconnectTimer?.unsubscribe();
    this.reconnectTimer = this.options.scheduler.schedule(() => {
      this.reconnectTimer = undefined;
      if (!this.disposed) this.startAttempt();
    }, delay);
    this.lifetime.add(this.reconnectTimer);
  }

  /** Ends this run of the connection (fatal error or retries exhausted); `connect()` may start over unless fatal. */
  private close(error: AgentError): void {
    this.phase = 'closed';
    if (error.kind === 'AuthFailed' && error.fatal) this.fatalError = error;
    this.attempt = 0;
    this.retries = 0;
    this.connectionSubject.next({ status: 'closed', ...(this.lastCloseCode !== undefined ? { code: this.lastCloseCode } : {}) });
    this.failWaiting();
    this.closedSubject.next(error);
  }

  private failPending(code: number, reason: string): void {
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [reqId, p] of pending) p.observer.error(new ConnectionClosed(code, reason, p.type, reqId));
  }

  /** Flushing a waiting request while closed makes it fail with ConnectionClosed. */
  private failWaiting(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const flush of waiting) flush();
  }

  /**
   * Re-queries a followed dialog from the highest sequence seen, page by page, so that what was sent
   * while the socket was down reaches messages$; duplicates are dropped by the sequence tracker.
   */
  private catchUp(dialogId: string): void {
    const page = 100;
    const from = this.sequences.highest(dialogId);
    this.lifetime.add(
      this.queryMessages({ dialogId, newerThanSequence: from, maxQuantity: page }).subscribe({
        next: (events) => {
          if (events.length >= page && this.sequences.highest(dialogId) > from) this.catchUp(dialogId);
          else this.release(dialogId);
        },
        error: (e: unknown) => {
          // Dropped again mid-query: keep holding, the next connection re-queries from the same point.
          // Releasing now would move the watermark past history never fetched.
          if (e instanceof ConnectionClosed) return;
          this.release(dialogId);
          // An error already on errors$ (decode) is not reported twice.
          if (!(e instanceof DecodeError)) this.emitError(toAgentError(e));
        },
      }),
    );
  }

  /** Ends a dialog's catch-up: the live events held meanwhile follow the history, in sequence order. */
  private release(dialogId: string): void {
    const held = this.catchingUp.get(dialogId);
    this.catchingUp.delete(dialogId);
    if (!held) return;
    held.sort((a, b) => a.sequence - b.sequence);
    for (const event of held) if (this.sequences.add(event.dialogId, event.sequence)) this.messagesSubject.next(event);
  }

  /**
   * Starts a fresh connection on purpose (the session was renewed). The old socket's callbacks are
   * ignored from here on, so its close is never taken for a drop.
   */
  private restart(reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    this.generation++;
    this.socketTimers.unsubscribe();
    this.socketTimers = new Subscription();
    socket?.close(1000, reason);
    this.failPending(1000, reason);
    this.startAttempt();
  }

  // ---------------------------------------------------------------- liveness and refresh

  private startKeepAlive(): void {
    const period = this.options.keepAlive;
    if (period <= 0) return;
    this.awaitingPong = false;
    const loop = (): Subscription =>
      this.options.scheduler.schedule(() => {
        if (!this.socket) return;
        if (this.awaitingPong) {
          this.log('warn', 'no pong since the last ping: terminating the socket');
          this.socket.terminate();
          return;
        }
        this.awaitingPong = true;
        this.socket.ping();
        this.socketTimers.add(
          this.call('.GetClock', {}).subscribe({
            error: (e: unknown) => {
              if (e instanceof RequestTimeout) {
                this.log('warn', 'keep-alive timed out: terminating the socket');
                this.socket?.terminate();
              }
            },
          }),
        );
        this.socketTimers.add(loop());
      }, period);
    this.socketTimers.add(loop());
  }

  private startRefresh(): void {
    const session = this.session;
    if (!session?.csrf || this.options.refreshInterval <= 0) return;
    const period = this.options.refreshInterval;
    const loop = (): Subscription =>
      this.options.scheduler.schedule(() => {
        const current = this.session;
        if (!current || this.disposed) return;
        refreshSession(current, this.authOptions).then(
          () => undefined,
          (error: unknown) => {
            if (this.disposed) return;
            this.emitError(error instanceof AuthFailed ? error : new AuthFailed(`refresh failed: ${describe(error)}`, 'refresh', false));
            // The session is gone: log in again and move the socket to the new bearer.
            this.needsLogin = true;
            if (this.phase === 'ready' || this.phase === 'replaying') this.restart('session renewed');
          },
        );
        this.lifetime.add(loop());
      }, period);
    this.lifetime.add(loop());
  }

  // ---------------------------------------------------------------- inbound

  private onMessage(text: string): void {
    const decoded = decodeFrame(text, this.options.maxFrameLength !== undefined ? { maxFrameLength: this.options.maxFrameLength } : {});
    if (isLeft(decoded)) {
      this.emitError(decoded.left);
      return;
    }
    const frame = decoded.right;
    if (frame.kind === 'resp') {
      const p = this.pending.get(frame.reqId);
      if (!p) return;
      this.pending.delete(frame.reqId);
      if (frame.code >= 400) p.observer.error(new RequestFailed(p.type, frame.reqId, frame.code, frame.body));
      else {
        p.observer.next(frame);
        p.observer.complete();
      }
      return;
    }
    this.notificationsSubject.next(frame);
    if (frame.known) this.dispatch(frame);
  }

  private dispatch(n: KnownNotification): void {
    const identity = this.identity;
    if (!identity) return;
    switch (n.type) {
      case '.ams.routing.RoutingTaskNotification':
        for (const ring of normalizeRings(n.body)) this.ringsSubject.next(ring);
        return;
      case '.ams.aam.ExConversationChangeNotification': {
        const { changes, warnings } = normalizeConversationChanges(n.body, identity);
        for (const w of warnings) this.emitError(w);
        for (const c of changes) {
          this.trackDialogs(c);
          this.conversationsSubject.next(c);
        }
        return;
      }
      case '.ams.ms.OnlineEventDistribution':
        this.deliverEvent(n.body, identity, 'live');
        return;
      case '.ams.routing.AgentStateNotification':
        for (const s of normalizeAgentState(n.body, identity)) this.agentStateSubject.next(s);
        return;
      default:
        return;
    }
  }

  /** Follows the dialogs of conversations this agent takes part in; forgets them once closed. */
  private trackDialogs(change: ConversationChange): void {
    const { conversation } = change;
    const closed = change.type === 'DELETE' || conversation.state === 'CLOSE';
    const dialogIds = conversation.dialogs.length > 0 ? conversation.dialogs.map((d) => d.dialogId) : [change.convId];
    if (closed) {
      for (const id of dialogIds) this.sequences.forget(id);
      return;
    }
    if (!change.myRole) return;
    for (const d of conversation.dialogs) if (d.state === 'OPEN') this.sequences.follow(d.dialogId);
    if (conversation.dialogs.length === 0) this.sequences.follow(change.convId);
  }

  /** Normalizes a record and delivers it, unless its (dialog, sequence) was delivered before. */
  private deliverEvent(record: EventRecord, identity: Identity, source: 'live' | 'query'): MessagingEvent | undefined {
    const event = normalizeEventRecord(record, identity, source);
    if (event.type === 'ChatStateEvent') {
      this.chatStateSubject.next(event);
      return undefined;
    }
    const held = source === 'live' ? this.catchingUp.get(event.dialogId) : undefined;
    if (held) held.push(event);
    else if (this.sequences.add(event.dialogId, event.sequence)) this.messagesSubject.next(event);
    return event;
  }

  // ---------------------------------------------------------------- outbound

  request(type: string, body: unknown = {}, options: RequestOptions = {}): Observable<Response> {
    return this.sendRaw(type, body, options, false);
  }

  private sendRaw(type: string, body: unknown, options: RequestOptions, bypassQueue: boolean): Observable<Response> {
    return new Observable<Response>((subscriber) => {
      const reqId = String(++this.nextId);
      const timeout = options.timeout ?? this.options.requestTimeout;
      let sent = false;
      const timer = this.options.scheduler.schedule(() => {
        this.pending.delete(reqId);
        this.waiting.delete(flush);
        subscriber.error(new RequestTimeout(type, reqId, timeout));
      }, timeout);
      const flush = (): void => {
        const socket = this.socket;
        if (!socket || this.disposed || this.phase === 'closed') {
          timer.unsubscribe();
          subscriber.error(new ConnectionClosed(this.disposed ? 1000 : (this.lastCloseCode ?? 1006), 'not connected', type, reqId));
          return;
        }
        this.pending.set(reqId, { type, observer: subscriber });
        const frame: Record<string, unknown> = { kind: 'req', id: reqId, type, body };
        if (options.metadata) frame['metadata'] = options.metadata;
        sent = socket.send(JSON.stringify(frame));
        if (!sent) {
          this.pending.delete(reqId);
          timer.unsubscribe();
          subscriber.error(new ConnectionClosed(this.lastCloseCode ?? 1006, 'socket not open', type, reqId));
        }
      };
      if (this.disposed || this.phase === 'closed') flush();
      else if (this.phase === 'ready' || (bypassQueue && this.socket)) flush();
      else this.waiting.add(flush);
      return () => {
        timer.unsubscribe();
        this.pending.delete(reqId);
        this.waiting.delete(flush);
      };
    });
  }

  execute(command: Command): Observable<Response> {
    return this.send(command);
  }

  /** Sends a command (`replayOf`: the remembered entry being replayed after a reconnect). */
  private send(command: Command, replayOf?: Remembered): Observable<Response> {
    return defer(() => {
      const filled = this.complete(command);
      const entry = replayOf ?? this.remember(filled);
      if (entry && !replayOf) entry.inFlight = true;
      const options: RequestOptions = command.metadata ? { metadata: command.metadata } : {};
      const response$ = this.sendRaw(filled.type, filled.body, options, replayOf !== undefined).pipe(
        tap((response) => this.onResponse(filled, response, entry)),
      );
      return entry && !replayOf
        ? new Observable<Response>((subscriber) => {
            const sub = response$.subscribe(subscriber);
            return () => {
              sub.unsubscribe();
              entry.inFlight = false;
            };
          })
        : response$;
    });
  }

  /**
   * What a response means beyond its caller: QueryMessages records are delivered on `messages$`
   * (however the query was sent), and a conversation subscription learns its id.
   */
  private onResponse(command: Command, response: Response, entry: Remembered | undefined): void {
    if (command.type === '.ams.ms.QueryMessages') {
      const decoded = decodeWith(QueryMessagesResponse, response.body, `${command.type} response`, 'body', response.reqId);
      if (isLeft(decoded)) {
        this.emitError(decoded.left);
        throw decoded.left;
      }
      const identity = this.identity;
      const events: MessagingEvent[] = [];
      if (identity) {
        for (const record of decoded.right) {
          const event = this.deliverEvent(record, identity, 'query');
          if (event) events.push(event);
        }
      }
      this.queried.set(response, events);
    } else if (entry && command.type === '.ams.aam.SubscribeExConversations' && isRecord(response.body)) {
      const id = response.body['subscriptionId'] ?? response.body['subScriptionId'];
      if (typeof id === 'string') entry.subscriptionId = id;
    }
  }

  /** Fills in what the agent knows itself: its legacy id, the brand id, the channel. */
  private complete(command: Command): Command {
    const me = this.session;
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
      case '.ams.aam.SubscribeExConversations': {
        const agentIds = command.body.agentIds?.map((id) => (me?.userPid && id === me.userPid ? legacyId : id));
        return agentIds ? { ...command, body: { ...command.body, agentIds } } : command;
      }
      case '.ams.cm.UpdateConversationField': {
        const fields = Array.isArray(command.body.conversationField) ? command.body.conversationField : [command.body.conversationField];
        const conversationField = fields.map((f) =>
          f.field === 'ParticipantsChange' && !f.userId ? { ...f, userId: legacyId } : f,
        );
        return { ...command, body: { ...command.body, conversationField } };
      }
      default:
        return command;
    }
  }

  /** Remembers state-setting commands so they are replayed after a reconnect. */
  private remember(command: Command): Remembered | undefined {
    let key: string | undefined;
    switch (command.type) {
      case '.ams.routing.SetAgentState':
      case '.ams.routing.SubscribeRoutingTasks':
      case '.ams.routing.SubscribeAgentsState':
        key = command.type;
        break;
      case '.ams.aam.SubscribeExConversations':
        key = `${command.type} ${JSON.stringify(command.body)}`;
        break;
      default:
        return undefined;
    }
    const entry: Remembered = { key, command, inFlight: false };
    this.remembered.set(key, entry);
    return entry;
  }

  call<K extends RequestType>(type: K, body: CommandBody<K>, metadata?: TypedObject[]): Observable<ResponseBody<K>> {
    // The definition table ties K's body and response codecs together; TypeScript cannot see it.
    const command = { type, body, ...(metadata ? { metadata } : {}) } as Command;
    const codec = requestDefinitions[type].response as Checkable<ResponseBody<K>>;
    return this.execute(command).pipe(
      map((resp) => {
        const decoded = decodeWith(codec, resp.body, `${type} response`, 'body', resp.reqId);
        if (isLeft(decoded)) {
          this.emitError(decoded.left);
          throw decoded.left;
        }
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
    // Unsubscribed on purpose: that subscription is not to be replayed after a reconnect.
    for (const [key, entry] of this.remembered) {
      if (entry.subscriptionId === body.subscriptionId) this.remembered.delete(key);
    }
    return super.unsubscribeExConversations(body);
  }
  queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]> {
    // The records are decoded and delivered once, by onResponse; here they are only handed back.
    return this.execute({ type: '.ams.ms.QueryMessages', body }).pipe(map((response) => this.queried.get(response) ?? []));
  }

  // ---------------------------------------------------------------- teardown

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.phase = 'closed';
    this.generation++;
    this.lifetime.unsubscribe();
    this.socketTimers.unsubscribe();
    this.reconnectTimer?.unsubscribe();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'disposed');
    this.failPending(1000, 'agent disposed');
    this.failWaiting();
    this.connectionSubject.next({ status: 'closed', code: 1000 });
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
      this.readySubject,
      this.closedSubject,
    ]) {
      s.complete();
    }
  }

  private emitError(error: AgentError): void {
    this.log(error.kind === 'NormalizeWarning' ? 'warn' : 'error', `${error.kind}: ${redact(error.message)}`);
    if (!this.errorsSubject.closed) this.errorsSubject.next(error);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.options.logger[level]?.(message);
  }
}

function describe(e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e));
}


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
