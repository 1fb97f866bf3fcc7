import { type Observable, Subscription } from 'rxjs';
import { createCsdsClient } from '../auth/index.js';
import { channels } from '../diagnostics/channels.js';
import type { Command, CommandBody } from '../domain/commands.js';
import { redact, toAgentError, type AgentError } from '../domain/errors.js';
import type { AgentStateChange, ChatStateChange, ConversationChange, Identity, MessagingEvent, Ring } from '../domain/types.js';
import type { Notification, RequestType, Response, ResponseBody, TypedObject } from '../protocol/index.js';
import { CommandMethods, commandResults } from './commandMethods.js';
import { Dialer } from './dial.js';
import { Lifecycle } from './lifecycle.js';
import { resolveAgentOptions, type AgentConfig, type Logger, type ResolvedAgentOptions } from './options.js';
import { Outbound } from './outbound.js';
import { createPacer, type Pacer } from './pacing.js';
import { ReplayRegistry } from './replay.js';
import { SessionKeeper } from './session.js';
import { AgentCounters } from './stats.js';
import { AgentStreams } from './streams.js';
import type { Agent, AgentStats, CommandResult, ConnectionState, RequestOptions } from './types.js';

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
 * The facade: wires the parts (docs/architecture.md) and holds no logic of its own. The streams and
 * their inbound wiring, the lifecycle, dialing, outbound, stats, session and pacing are each a part.
 */
class LpAgent extends CommandMethods implements Agent {
  private readonly options: ResolvedAgentOptions;
  private readonly logger: Logger;
  private readonly streams: AgentStreams;
  private readonly counters: AgentCounters;
  private readonly sessions: SessionKeeper;
  private readonly pacer: Pacer;
  private readonly lifecycle: Lifecycle;
  private readonly dialer: Dialer;
  private readonly outbound: Outbound;
  private readonly registry = new ReplayRegistry();
  /** The `run` pipelines: everything that lives as long as the agent. */
  private readonly lifetime = new Subscription();
  private disposed = false;
  private lastId = 0;

  readonly connection$: Observable<ConnectionState>;
  readonly notifications$: Observable<Notification>;
  readonly rings$: Observable<Ring>;
  readonly conversations$: Observable<ConversationChange>;
  readonly messages$: Observable<MessagingEvent>;
  readonly chatState$: Observable<ChatStateChange>;
  readonly agentState$: Observable<AgentStateChange>;
  readonly errors$: Observable<AgentError>;
  readonly results$: Observable<CommandResult>;

  constructor(config: AgentConfig) {
    super();
    const options = (this.options = resolveAgentOptions(config));
    this.logger = options.logger.child ? options.logger.child({ lib: 'lp-agent-rx', accountId: config.accountId }) : options.logger;
    // Auth reads the agent's clock: CSDS expiry and session ages follow virtual time in a simulation.
    const auth = { ...config, now: options.now };
    const report = (e: AgentError): void => this.emitError(e);
    const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string): void => this.log(level, message);
    const nextId = (): string => String(++this.lastId);
    const identity = (): Identity | undefined => this.identity;
    const counters = (this.counters = new AgentCounters(this, options.now));
    const { loginTimeout = 10_000 } = config;
    this.sessions = new SessionKeeper({ credentials: config, auth, csds: createCsdsClient(auth), scheduler: options.scheduler, refreshInterval: options.refreshInterval, refreshRetryInterval: options.refreshRetryInterval, loginTimeout, report, log });
    this.pacer = createPacer(options.pacing, options.scheduler, options.mutations.has('losePacerSlot'));
    this.streams = new AgentStreams({
      report,
      resume: {
        follow: options.follow,
        resumeFrom: options.resumeFrom,
        mutations: options.mutations,
        joinsExpected: () => this.registry.hasConversationSubscription(),
        scheduler: options.scheduler,
        query: (dialogId, after, max) => this.outbound.queryRecords(dialogId, after, max),
        pace: (task$, priority) => this.pacer.schedule(task$, priority),
        identity,
        isOwn: (e) => this.outbound.isOwn(e),
        fetched: (dialogId, records, join) => {
          if (!channels.catchUp.hasSubscribers) return;
          let oldest = Infinity;
          for (const r of records) if (r.serverTimestamp !== undefined && r.serverTimestamp < oldest) oldest = r.serverTimestamp;
          const lag = oldest === Infinity ? 0 : Math.max(0, options.now() - oldest);
          channels.catchUp.publish({ agent: this, dialogId, kind: join ? 'join' : 'catch-up', records: records.length, lag });
        },
      },
      delivering: (e) => {
        counters.messagesIn++;
        if (channels.message.hasSubscribers) channels.message.publish({ agent: this, direction: 'in', eventType: e.type, event: e });
      },
    });
    const { streams, registry, sessions } = this;
    this.dialer = new Dialer({ options, auth, streams, registry, counters, identity, wasOpen: () => this.lifecycle.wasOpen, disposed: () => this.disposed, nextId, report, log });
    const resume = streams.resume;
    this.lifecycle = new Lifecycle({ agent: this, options, sessions, counters, dial: (s) => this.dialer.dial(s), opened: () => resume.onReady(), disconnected: () => resume.onDisconnected(), report, log });
    this.outbound = new Outbound({ agent: this, options, accountId: config.accountId, lifecycle: this.lifecycle, streams, registry, counters, identity, nextId, report });
    this.connection$ = this.lifecycle.connection$;
    this.notifications$ = streams.notifications.asObservable();
    this.rings$ = streams.rings.asObservable();
    this.conversations$ = streams.conversations.asObservable();
    this.messages$ = streams.messages.asObservable();
    this.chatState$ = streams.chatState.asObservable();
    this.agentState$ = streams.agentState.asObservable();
    this.errors$ = streams.errors.asObservable();
    this.results$ = streams.results.asObservable();
    if (channels.agent.hasSubscribers) channels.agent.publish({ agent: this, event: 'created' });
  }

  /** Who this agent is; known from the first login on. */
  get identity(): Identity | undefined {
    return this.sessions.identity;
  }

  connect(): Observable<void> {
    return this.lifecycle.connect();
  }

  request(type: string, body: unknown = {}, options: RequestOptions = {}): Observable<Response> {
    return this.outbound.send(type, body, options.metadata, options.timeout ?? this.options.requestTimeout);
  }

  execute(command: Command): Observable<Response> {
    return this.outbound.execute(command);
  }

  call<K extends RequestType>(type: K, body: CommandBody<K>, metadata?: TypedObject[]): Observable<ResponseBody<K>> {
    return this.outbound.call(type, body, metadata);
  }

  queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]> {
    return this.outbound.queryMessages(body);
  }

  run(commands$: Observable<Command>): Subscription {
    const sub = commandResults(commands$, (c) => this.execute(c), (e) => this.emitError(e)).subscribe((result) => this.streams.results.next(result));
    this.lifetime.add(sub);
    return sub;
  }

  override unsubscribeExConversations(body: CommandBody<'.ams.aam.UnsubscribeExConversations'>) {
    // The caller holds the id of its first subscribe; a replay after a reconnect got a newer one.
    const subscriptionId = this.registry.forgetSubscription(body.subscriptionId) ?? body.subscriptionId;
    return super.unsubscribeExConversations({ ...body, subscriptionId });
  }

  report(error: unknown): void {
    this.emitError(toAgentError(error));
  }

  stats(): AgentStats {
    const { streams, lifecycle } = this;
    return this.counters.snapshot({
      status: () => lifecycle.status,
      openConversations: () => streams.openConversations.size,
      followedDialogs: () => streams.resume.dialogs,
      catchUpBacklog: () => streams.resume.backlog,
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (channels.agent.hasSubscribers) channels.agent.publish({ agent: this, event: 'disposed' });
    // Anyone waiting on connect() or on the connection hears of it before the streams complete.
    this.lifecycle.dispose();
    this.lifetime.unsubscribe();
    this.pacer.dispose();
    this.streams.resume.dispose();
    this.sessions.dispose();
    this.lifecycle.complete();
    this.streams.complete();
    this.dialer.settleClosed();
  }

  closed(): Promise<void> {
    return this.dialer.closed();
  }

  private emitError(error: AgentError): void {
    if (channels.decode.hasSubscribers && (error.kind === 'DecodeError' || error.kind === 'DecodeWarning' || error.kind === 'NormalizeWarning')) {
      channels.decode.publish({ agent: this, error });
    }
    this.log(error.kind === 'NormalizeWarning' ? 'warn' : 'error', `${error.kind}: ${error.message}`);
    if (!this.streams.errors.closed) this.streams.errors.next(error);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    // Every line is masked here, the one way out: a secret must never reach a log line.
    if (this.logger[level]) this.logger[level]?.(redact(message));
  }
}
