import { isLeft } from 'fp-ts/lib/Either.js';
import { catchError, defer, map, type Observable, switchMap, tap, throwError, timeout } from 'rxjs';
import { channels } from '../diagnostics/channels.js';
import type { Command, CommandBody } from '../domain/commands.js';
import { RequestTimeout, type AgentError } from '../domain/errors.js';
import type { Identity, MessagingEvent } from '../domain/types.js';
import { decodeEventRecords, decodeWith, requestDefinitions, type Checkable, type EventRecord, type RequestType, type Response, type ResponseBody, type TypedObject } from '../protocol/index.js';
import { NotSent, type Connection } from './connection.js';
import type { Lifecycle } from './lifecycle.js';
import type { ResolvedAgentOptions } from './options.js';
import { idempotencyKeyOf, publishOnce, withIdempotencyKey } from './publish.js';
import type { ReplayRegistry } from './replay.js';
import type { AgentCounters } from './stats.js';
import type { AgentStreams } from './streams.js';
import type { Agent } from './types.js';

/** Own publish keys remembered, so joining never counts this agent's replies as someone else's answers. */
const OWN_KEYS = 10_000;

/** What the outbound part needs from the agent. */
export interface OutboundConfig {
  readonly agent: Agent;
  readonly options: ResolvedAgentOptions;
  readonly accountId: string;
  readonly lifecycle: Lifecycle;
  readonly streams: AgentStreams;
  readonly registry: ReplayRegistry;
  readonly counters: AgentCounters;
  identity(): Identity | undefined;
  nextId(): string;
  report(error: AgentError): void;
}

/**
 * What the agent sends: requests wait for an open connection (within their timeout), commands are
 * completed with what the agent knows itself, state-setting commands are remembered for the replay,
 * publishes carry an idempotency key, and QueryMessages records are delivered on `messages$`.
 *
 * @example
 * const outbound = new Outbound(config);
 * outbound.execute({ type: '.GetClock', body: {} }).subscribe((response) => ...);
 */
export class Outbound {
  private readonly ownKeys = new Set<string>();
  /** What each QueryMessages response delivered, for `queryMessages()` to return. */
  private readonly queried = new WeakMap<Response, MessagingEvent[]>();

  constructor(private readonly config: OutboundConfig) {}

  /** Whether this agent published the event (its key is one of its own). */
  isOwn(event: MessagingEvent): boolean {
    const key = idempotencyKeyOf(event);
    return key !== undefined && this.ownKeys.has(key);
  }

  /**
   * Sends once the connection is ready (waiting for it counts toward the timeout). Fails with
   * `ConnectionClosed` when the run ends or the agent is disposed first.
   */
  send(type: string, body: unknown, metadata: readonly TypedObject[] | undefined, timeoutMs: number): Observable<Response> {
    const { lifecycle, options } = this.config;
    return defer(() => {
      const reqId = this.config.nextId();
      const refused = lifecycle.refusal(type, reqId);
      if (refused) return throwError(() => refused);
      // Ready now (the usual case): straight to the connection, without the wait for readiness.
      const state = lifecycle.state;
      const onNext = (dead?: Connection): Observable<Response> =>
        lifecycle.nextOpen(type, reqId, dead).pipe(switchMap((connection) => connection.request(reqId, type, body, metadata)));
      // A socket closing before the agent heard of it: the request never left, so it waits for the next.
      const request$ =
        state.phase === 'open'
          ? state.connection.request(reqId, type, body, metadata).pipe(catchError((e: unknown) => (e instanceof NotSent ? onNext(state.connection) : throwError(() => e))))
          : onNext();
      return request$.pipe(timeout({ first: timeoutMs, scheduler: options.scheduler, with: () => throwError(() => new RequestTimeout(type, reqId, timeoutMs)) }));
    });
  }

  execute(command: Command): Observable<Response> {
    if (command.type !== '.ams.ms.PublishEvent' || command.body.event.type === 'ChatStateEvent') return this.executeFilled(command);
    const eventType = command.body.event.type;
    const { agent, counters } = this.config;
    return this.executeFilled(command).pipe(
      tap(() => {
        counters.messagesOut++;
        if (channels.message.hasSubscribers) channels.message.publish({ agent, direction: 'out', eventType });
      }),
    );
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

  queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]> {
    // The records are decoded and delivered once, by sendCommand; here they are only handed back.
    return this.execute({ type: '.ams.ms.QueryMessages', body }).pipe(map((response) => this.queried.get(response) ?? []));
  }

  /** One page of history for the resume part: decoded, not yet delivered (resume delivers it in order). */
  queryRecords(dialogId: string, after: number, max: number): Observable<readonly EventRecord[]> {
    return defer(() =>
      this.send('.ams.ms.QueryMessages', { dialogId, newerThanSequence: after, maxQuantity: max }, undefined, this.config.options.requestTimeout),
    ).pipe(map((response) => this.decodeRecords(response)));
  }

  private executeFilled(command: Command): Observable<Response> {
    const { options, streams, registry } = this.config;
    return defer(() => {
      const filled = this.complete(command);
      if (filled.type === '.ams.ms.PublishEvent' && options.publishAttempts > 0 && filled.body.event.type !== 'ChatStateEvent') {
        const keyed = withIdempotencyKey(filled, () => `lp-agent-rx:${options.newId()}`);
        const key = idempotencyKeyOf(keyed);
        if (key !== undefined) this.rememberKey(key);
        return publishOnce(keyed, streams.resume.highest(keyed.body.dialogId), {
          send: (c) => this.sendCommand(c),
          history: (dialogId, after) => streams.resume.lookup(dialogId, after),
          attempts: options.publishAttempts,
        });
      }
      const entry = registry.remember(filled);
      if (!entry) return this.sendCommand(filled);
      entry.inFlight = true;
      return this.sendCommand(filled).pipe(
        tap((response) => registry.learn(entry, response)),
        tap({ finalize: () => (entry.inFlight = false) }),
      );
    });
  }

  /** Sends a command; QueryMessages records are delivered on `messages$` however the query was sent. */
  private sendCommand(command: Command): Observable<Response> {
    const response$ = this.send(command.type, command.body, command.metadata, this.config.options.requestTimeout);
    if (command.type !== '.ams.ms.QueryMessages') return response$;
    return response$.pipe(
      map((response) => {
        const records = this.decodeRecords(response);
        this.queried.set(response, this.config.streams.resume.onRecords(records));
        return response;
      }),
    );
  }

  /** A history answer, record by record: a bad record is one error on errors$, the others are kept. */
  private decodeRecords(response: Response): readonly EventRecord[] {
    const { records, problems, unknownValues } = decodeEventRecords(response.body, response.reqId);
    for (const p of problems) this.config.report(p);
    for (const u of unknownValues) this.config.streams.unknownValue(u.enumName, u.value, '.ams.ms.QueryMessages$Response');
    return records;
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
    const me = this.config.identity();
    const legacyId = me?.legacyId ?? '';
    const brandId = me?.accountId ?? this.config.accountId;
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
}
