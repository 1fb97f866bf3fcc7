import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import {
  asyncScheduler,
  concat,
  defer,
  isObservable,
  map,
  merge,
  NEVER,
  Observable,
  of,
  share,
  Subject,
  type Subscription,
  take,
  takeUntil,
  throwError,
  ReplaySubject,
  firstValueFrom,
} from 'rxjs';
import { CommandMethods, commandResults } from '../agent/commandMethods.js';
import { resolveFollow, type FollowOptions, type Resume } from '../agent/resume.js';
import { AgentStreams } from '../agent/streams.js';
import type { Agent, AgentStats, CommandResult, ConnectionState, RequestOptions } from '../agent/types.js';
import {
  type AgentError,
  type AgentStateChange,
  type ChatStateChange,
  type Command,
  type CommandBody,
  ConnectionClosed,
  toAgentError,
  type ConversationChange,
  type Identity,
  type MessagingEvent,
  RequestFailed,
  type Ring,
} from '../domain/index.js';
import {
  canonicalRequestType,
  decodeFrame,
  decodeWith,
  type Notification,
  type RequestType,
  requestDefinitions,
  type Response,
  type ResponseBody,
  type TypedObject,
  type Checkable,
  type EventRecord,
} from '../protocol/index.js';
import { frameText, type WireNotification } from './fixtures/frames.js';
import { seedIdentity } from './fixtures/ids.js';

/** The time the default `.GetClock` answer reports: the seed's, so answers never depend on the wall clock. */
const CLOCK_TIME = 1517000827442;

/**
 * Success bodies to answer requests with, by request type; each must pass the type's response
 * codec, as the typed methods decode it.
 *
 * @example
 * const responses: TestResponses = { '.ams.ms.PublishEvent': { sequence: 42 }, '.GetClock': { currentTime: 0 } };
 */
export type TestResponses = { [K in RequestType]?: ResponseBody<K> };

/**
 * One answer of a {@link TestResponder}: a response (code 200 unless given; 400 and above fail the
 * request with `RequestFailed`; without `body`, the default success body), or an `AgentError` the
 * request fails with (e.g. `new RequestTimeout(...)`, `new ConnectionClosed(1006)`).
 *
 * @example
 * const failed: TestReply = { code: 500, body: 'Internal error' };
 * const timedOut: TestReply = new RequestTimeout('.ams.ms.PublishEvent', '1', 10_000);
 */
export type TestReply = { code?: number; body?: unknown } | AgentError;

/**
 * Decides how the test agent answers a command. Return `undefined` for the default answer, a
 * {@link TestReply} to answer at once, or an observable of one to answer later in virtual time
 * (its first value is the answer, e.g. `cold('---r', { r: {} })`).
 *
 * @example
 * const respond: TestResponder = (command) =>
 *   command.type === '.ams.routing.UpdateRingState' ? { code: 400, body: 'Ring expired' } : undefined;
 */
export type TestResponder = (command: Command, reqId: string) => TestReply | Observable<TestReply> | undefined;

/**
 * Options of {@link createTestAgent}: the streams the agent emits, who it is, and how it answers.
 * Every stream not given never emits (and never completes), like a quiet connection.
 *
 * @example
 * createTestAgent({ rings$: hot('-r', { r: aRing() }), respond: () => ({ code: 503 }) });
 */
export interface TestAgentOptions {
  /** What `connection$` emits; by default `{status: 'open'}` at once. */
  connection$?: Observable<ConnectionState>;
  /**
   * Raw frames as the server sends them (built with `ringFrame()`, ..., or text): decoded and
   * normalized as a real agent would, onto `notifications$` and the typed streams (merged with the
   * typed streams given here). Bad frames go to `errors$` as `DecodeError`s.
   */
  frames$?: Observable<WireNotification | string>;
  /** Decoded notifications for `notifications$`. */
  notifications$?: Observable<Notification>;
  rings$?: Observable<Ring>;
  conversations$?: Observable<ConversationChange>;
  messages$?: Observable<MessagingEvent>;
  chatState$?: Observable<ChatStateChange>;
  agentState$?: Observable<AgentStateChange>;
  /** Errors to emit on `errors$`, besides those of failed commands and bad frames. */
  errors$?: Observable<AgentError>;
  /** Who the agent is; the seed agent by default. Pass `undefined` for an agent not yet logged in. */
  identity?: Identity | undefined;
  /** Success bodies by request type, instead of the defaults. */
  responses?: TestResponses;
  /** Answers per command: failures, delays, custom bodies. Wins over `responses`. */
  respond?: TestResponder;
  /**
   * Following conversations, as the real agent does (the same code): a conversation frame that
   * makes this agent a participant sends a QueryMessages (seen on `sent$`, answered by `respond`)
   * and its records reach `messages$` first. `false` turns it off. Default on.
   */
  follow?: FollowOptions | false;
  /** Fields of `stats()` to report (e.g. `{ status: 'reconnecting', catchUpBacklog: 3 }` for a health check's spec). */
  stats?: Partial<AgentStats>;
}

/**
 * An `Agent` for marble tests: its streams are the observables the test gives, and every command it
 * is asked to send (through `run`, `execute`, `request` or a typed method) is recorded on `sent$`.
 *
 * @example
 * expectObservable(agent.sent$).toBe('-a', { a: { type: '.ams.routing.UpdateRingState', body: { ringId, ringState: 'ACCEPTED' } } });
 */
export interface TestAgent extends Agent {
  /**
   * Every command sent, as given (before a real agent would fill in its own ids), when it is sent.
   * Replays earlier commands to a new subscriber, so commands sent synchronously before the
   * TestScheduler flushes are seen at frame 0; completes on `dispose()`.
   */
  readonly sent$: Observable<Command>;
  /** The commands sent so far, in order: for assertions outside marbles. */
  readonly sent: readonly Command[];
}

/**
 * Creates an `Agent` driven by your observables, for testing bots and operators with marbles.
 * Nothing touches a socket or a timer: streams emit when the observables you pass emit (hot
 * marbles from `TestScheduler.run`), and commands are answered synchronously, in the frame they are
 * sent, unless a `respond` function answers later with a cold observable. So all of a test runs in
 * virtual time.
 *
 * Defaults: the seed identity; `connection$` open; success answers valid per the protocol's
 * response codecs (`PublishEvent` gets sequences 1, 2, ... per dialog, 0 for chat states;
 * subscriptions get `test-subscription-N` ids; `QueryMessages` an empty history).
 *
 * ## Example
 *
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { createTestAgent, aRing } from 'lp-agent-rx/testing';
 *
 * new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ hot, expectObservable }) => {
 *   const agent = createTestAgent({ rings$: hot('-r', { r: aRing() }) });
 *   agent.run(agent.rings$.pipe(map((r) => accept(r))));
 *   expectObservable(agent.sent$).toBe('-a', { a: accept(aRing()) });
 * });
 * ```
 *
 * @example
 * const agent = createTestAgent({ messages$: hot('-m', { m: aContentEvent() }), respond: () => ({ code: 500 }) });
 *
 * @param options The streams, identity and answers; all optional.
 * @return A `TestAgent`: an `Agent` plus `sent$`.
 */
export function createTestAgent(options: TestAgentOptions = {}): TestAgent {
  return new TestAgentImpl(options);
}

class TestAgentImpl extends CommandMethods implements TestAgent {
  readonly connection$: Observable<ConnectionState>;
  readonly notifications$: Observable<Notification>;
  readonly rings$: Observable<Ring>;
  readonly conversations$: Observable<ConversationChange>;
  readonly messages$: Observable<MessagingEvent>;
  readonly chatState$: Observable<ChatStateChange>;
  readonly agentState$: Observable<AgentStateChange>;
  readonly errors$: Observable<AgentError>;
  readonly results$: Observable<CommandResult>;
  readonly sent$: Observable<Command>;
  readonly identity: Identity | undefined;

  private readonly sentLog: Command[] = [];
  private readonly sentSubject = new ReplaySubject<Command>();
  private readonly disposed$ = new Subject<void>();
  private readonly lifetime = new Set<Subscription>();
  private readonly dialogSequences = new Map<string, number>();
  /** The real agent's streams and inbound wiring (routing, following, dedupe): the same code. */
  private readonly streams: AgentStreams;
  private readonly resume: Resume;
  private reqCount = 0;
  private subscriptionCount = 0;
  private disposed = false;

  constructor(private readonly options: TestAgentOptions) {
    super();
    this.identity = 'identity' in options ? options.identity : seedIdentity;
    const until = <T>(source: Observable<T>): Observable<T> => source.pipe(takeUntil(this.disposed$));
    const follow = options.follow ?? {};
    this.streams = new AgentStreams({
      report: (e) => this.emitError(e),
      resume: {
        follow: resolveFollow(follow),
        scheduler: asyncScheduler,
        query: (dialogId, after, max) => this.queryRecords(dialogId, after, max),
        pace: (task$) => task$,
        identity: () => this.identity,
        isOwn: () => false,
      },
    });
    const { streams } = this;
    this.resume = streams.resume;
    // The real agent's inbound path: decode, route, follow, dedupe, while frames$ runs. Shared by every stream.
    const inbound$ = options.frames$ ? this.inbound(options.frames$) : undefined;
    const fed = <T>(subject: Subject<T>): Observable<T> | undefined =>
      inbound$ &&
      new Observable<T>((subscriber) => {
        const values = subject.subscribe((v) => subscriber.next(v));
        const run = inbound$.subscribe({ error: (e: unknown) => subscriber.error(e), complete: () => subscriber.complete() });
        return () => {
          values.unsubscribe();
          run.unsubscribe();
        };
      });
    const driven = <T>(source: Observable<T>): Observable<T> => (inbound$ ? merge(source, inbound$) : source);

    this.connection$ = until(options.connection$ ?? concat(of<ConnectionState>({ status: 'open' }), NEVER));
    this.notifications$ = until(oneOf(options.notifications$, fed(streams.notifications)));
    this.rings$ = until(oneOf(options.rings$, fed(streams.rings)));
    this.conversations$ = until(oneOf(options.conversations$, fed(streams.conversations)));
    this.messages$ = until(driven(merge(options.messages$ ?? NEVER, streams.messages)));
    this.chatState$ = until(oneOf(options.chatState$, fed(streams.chatState)));
    this.agentState$ = until(oneOf(options.agentState$, fed(streams.agentState)));
    this.errors$ = options.errors$ ? merge(until(options.errors$), streams.errors) : streams.errors.asObservable();
    this.results$ = streams.results.asObservable();
    this.sent$ = this.sentSubject.asObservable();
  }

  get sent(): readonly Command[] {
    return this.sentLog;
  }

  /**
   * A snapshot like the real agent's: followed dialogs and backlog from the shared resume part,
   * messages sent counted from `sent`, the rest zero; `options.stats` sets any field.
   */
  stats(): AgentStats {
    const out = this.sentLog.filter((c) => c.type === '.ams.ms.PublishEvent' && c.body.event.type !== 'ChatStateEvent').length;
    return {
      status: this.disposed ? 'closed' : 'open',
      uptime: 0,
      reconnects: 0,
      rtt: undefined,
      clockSkew: undefined,
      pendingRequests: 0,
      openConversations: 0,
      followedDialogs: this.resume.dialogs,
      catchUpBacklog: this.resume.backlog,
      messagesIn: 0,
      messagesOut: out,
      ...this.options.stats,
    };
  }

  /** Puts an error on `errors$`, as the real agent does. */
  report(error: unknown): void {
    this.emitError(toAgentError(error));
  }

  connect(): Observable<void> {
    return defer(() => (this.disposed ? throwError(() => new ConnectionClosed(1000, 'agent disposed')) : of(undefined)));
  }

  run(commands$: Observable<Command>): Subscription {
    const sub = commandResults(commands$, (c) => this.execute(c), (e) => this.emitError(e)).subscribe((result) =>
      this.streams.results.next(result),
    );
    this.lifetime.add(sub);
    sub.add(() => this.lifetime.delete(sub));
    return sub;
  }

  execute(command: Command): Observable<Response> {
    return defer(() => {
      if (this.disposed) return throwError(() => new ConnectionClosed(1000, 'agent disposed', command.type));
      const reqId = String(++this.reqCount);
      this.sentLog.push(command);
      this.sentSubject.next(command);
      return this.answer(command, reqId);
    });
  }

  request(type: string, body: unknown = {}, options: RequestOptions = {}): Observable<Response> {
    return defer(() => {
      const canonical = canonicalRequestType(type);
      if (!canonical) return throwError(() => new RequestFailed(type, String(++this.reqCount), 400, `unknown request type ${type}`));
      const codec: t.Decoder<unknown, unknown> = requestDefinitions[canonical].body;
      if (isLeft(codec.decode(body))) return throwError(() => new RequestFailed(canonical, String(++this.reqCount), 400, 'invalid request body'));
      // The codec just accepted the body for this type; TypeScript cannot tie the two together.
      const command = { type: canonical, body, ...(options.metadata ? { metadata: options.metadata } : {}) } as Command;
      return this.execute(command);
    });
  }

  call<K extends RequestType>(type: K, body: CommandBody<K>, metadata?: TypedObject[]): Observable<ResponseBody<K>> {
    // As in the real agent: the definition table ties K's body and response codec together.
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

  queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]> {
    // As in the real agent: the records also reach messages$, each (dialog, sequence) once.
    return this.call('.ams.ms.QueryMessages', body).pipe(map((records) => this.resume.onRecords(records)));
  }

  private queryRecords(dialogId: string, after: number, max: number): Observable<readonly EventRecord[]> {
    return this.call('.ams.ms.QueryMessages', { dialogId, newerThanSequence: after, maxQuantity: max });
  }

  /** Resolves once disposed (a test agent has no socket). */
  closed(): Promise<void> {
    return this.disposed ? Promise.resolve() : firstValueFrom(this.disposed$, { defaultValue: undefined });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const sub of [...this.lifetime]) sub.unsubscribe();
    this.resume.dispose();
    this.disposed$.next();
    this.disposed$.complete();
    this.sentSubject.complete();
    this.streams.complete();
  }

  private answer(command: Command, reqId: string): Observable<Response> {
    const custom = this.options.respond?.(command, reqId);
    const reply$: Observable<TestReply> = custom === undefined ? of({}) : isObservable(custom) ? custom : of(custom);
    const responseType = requestDefinitions[command.type].responseType;
    return reply$.pipe(
      take(1),
      map((reply): Response => {
        if (reply instanceof Error) throw reply;
        const code = reply.code ?? 200;
        const body = 'body' in reply ? reply.body : code >= 400 ? undefined : this.successBody(command);
        if (code >= 400) throw new RequestFailed(command.type, reqId, code, body);
        return { kind: 'resp', reqId, code, type: responseType, body };
      }),
    );
  }

  /** A success body valid per the type's response codec: configured, or the emulator's usual answer. */
  private successBody(command: Command): unknown {
    const configured = this.options.responses?.[command.type];
    if (configured !== undefined) return configured;
    switch (command.type) {
      case '.GetClock':
        return { currentTime: CLOCK_TIME } satisfies ResponseBody<'.GetClock'>;
      case '.ams.routing.SetAgentState':
        return 'Agent state updated successfully';
      case '.ams.routing.UpdateRingState':
        return 'Ring state updated successfully';
      case '.ams.routing.SubscribeAgentsState':
      case '.ams.routing.SubscribeRoutingTasks':
      case '.ams.aam.SubscribeExConversations':
        return { subscriptionId: `test-subscription-${++this.subscriptionCount}` } satisfies ResponseBody<typeof command.type>;
      case '.ams.ms.PublishEvent': {
        if (command.body.event.type === 'ChatStateEvent') return { sequence: 0 } satisfies ResponseBody<'.ams.ms.PublishEvent'>;
        const sequence = (this.dialogSequences.get(command.body.dialogId) ?? 0) + 1;
        this.dialogSequences.set(command.body.dialogId, sequence);
        return { sequence } satisfies ResponseBody<'.ams.ms.PublishEvent'>;
      }
      case '.ams.ms.QueryMessages':
        return [] satisfies ResponseBody<'.ams.ms.QueryMessages'>;
      case '.ams.userprofile.GetUserProfile': {
        const body = command.body;
        const userId = typeof body === 'string' ? body : (body.userId ?? this.identity?.legacyId);
        return { userId, firstName: 'Test', lastName: 'User' } satisfies ResponseBody<'.ams.userprofile.GetUserProfile'>;
      }
      case '.ams.cm.AgentRequestConversation':
        return { conversationId: `test-conversation-${this.reqCount}` } satisfies ResponseBody<'.ams.cm.AgentRequestConversation'>;
      case '.ams.ms.GenerateURLForUploadFile':
        return fileUrl(`/v1/AUTH_async-images/${this.identity?.accountId ?? 'test'}/test-file-${this.reqCount}.${command.body.fileType.toLowerCase()}`);
      case '.ams.ms.GenerateURLForDownloadFile':
        return fileUrl(command.body.relativePath);
      case '.ams.ms.token.GenerateDownloadToken':
        return { token: { type: 'SecureFormReadToken', readOtk: 'test-read-otk' } } satisfies ResponseBody<'.ams.ms.token.GenerateDownloadToken'>;
      default:
        return 'OK';
    }
  }

  /** Decodes each frame as the real agent does and hands it to the shared inbound wiring; bad frames go to `errors$`. */
  private inbound(frames$: Observable<WireNotification | string>): Observable<never> {
    return new Observable<never>((subscriber) =>
      frames$.subscribe({
        next: (frame) => {
          const decoded = decodeFrame(typeof frame === 'string' ? frame : frameText(frame));
          if (isLeft(decoded)) {
            this.emitError(decoded.left);
            return;
          }
          const n = decoded.right;
          if (n.kind === 'notification') this.streams.inbound(n, this.identity);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    ).pipe(share());
  }

  private emitError(error: AgentError): void {
    if (!this.streams.errors.closed) this.streams.errors.next(error);
  }
}

/** The given sources as one: never emitting when there are none, the source itself when there is one. */
function oneOf<T>(...sources: Array<Observable<T> | undefined>): Observable<T> {
  const given = sources.filter((s): s is Observable<T> => s !== undefined);
  return given.length === 0 ? NEVER : given.length === 1 && given[0] ? given[0] : merge(...given);
}

function fileUrl(relativePath: string): ResponseBody<'.ams.ms.GenerateURLForDownloadFile'> {
  return { relativePath, queryParams: { temp_url_sig: 'test-signature', temp_url_expires: String(Math.floor(CLOCK_TIME / 1000) + 60) } };
}

