import {
  concat,
  defer,
  EMPTY,
  filter,
  from,
  groupBy,
  ignoreElements,
  isObservable,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  share,
  Subscription,
  timeout,
  toArray,
  catchError,
  type SchedulerLike,
} from 'rxjs';
import type { Agent } from '../agent/types.js';
import type { Command } from '../domain/commands.js';
import { PipelineError, RequestTimeout, toAgentError, type AgentError } from '../domain/errors.js';
import type { ContentMessage, Conversation, MessagingEvent } from '../domain/types.js';
import type { UserProfile } from '../protocol/index.js';
import { chatState, readReceipt, sendRichContent, sendText, transferToAgent, transferToSkill } from './commands.js';
import type { RichContent } from './richContent.js';

/**
 * What a handler answers with: a text, structured content, commands, several of those, or nothing.
 *
 * @example
 * const reply: Reply = 'On it!';
 */
export type Reply = string | RichContent | Command | readonly (string | RichContent | Command)[] | undefined | void;

/**
 * What a handler knows of its conversation. Lives as long as the conversation: it is freed when
 * the conversation closes (memory is O(open conversations)).
 *
 * @example
 * const handler: RespondHandler<{ name?: string }> = async (m, ctx) => `Hi ${ctx.state.name ??= (await ctx.profile())?.firstName ?? 'there'}`;
 */
export interface ConversationContext<S> {
  readonly convId: string;
  readonly dialogId: string;
  /** The messages this call answers: one, or several under `batch` and `latest`, oldest first. */
  readonly messages: readonly ContentMessage[];
  /** The conversation's messages delivered so far (the last `historySize`), oldest first. */
  readonly history: readonly MessagingEvent[];
  /** The conversation as last reported on `conversations$` (participants, skill, state). */
  readonly conversation: Conversation | undefined;
  /** The bot's own data for this conversation (made by `initialState`). */
  readonly state: S;
  /** Failed answers in a row (errors and timeouts). */
  readonly failures: number;
  /** The consumer's profile, fetched once, when first asked for. */
  profile(): Promise<UserProfile | undefined>;
}

/**
 * A handler: the (slow, async) answer to a consumer's message.
 *
 * @example
 * const handler: RespondHandler<object> = async (m) => model.complete(m.event.message);
 */
export type RespondHandler<S> = (message: ContentMessage, context: ConversationContext<S>) => Reply | Promise<Reply> | Observable<Reply>;

/** Why a conversation was handed over. */
export type HandoverReason = 'asked' | 'failures' | 'timeout' | 'error';

/**
 * The outcome of one call: every consumer message gets exactly one (`messages` lists them).
 *
 * @example
 * respond(agent, handler, { onOutcome: (o) => tally[o.kind] += o.messages.length });
 */
export interface Outcome {
  readonly kind: 'reply' | 'fallback' | 'handover' | 'silent';
  readonly messages: readonly ContentMessage[];
  readonly reason?: HandoverReason;
  readonly error?: AgentError;
}

/** Options of {@link respond}. */
export interface RespondOptions<S> {
  /**
   * Per conversation: `queue` answers each message in turn (default); `latest` cancels a running
   * call when the consumer writes again and answers the newest (the reply covers both); `batch`
   * gathers what the consumer writes while a call runs and answers it together.
   */
  concurrency?: 'queue' | 'latest' | 'batch';
  /** Calls running at once across every conversation. Default 16. */
  maxConcurrent?: number;
  /** COMPOSING while the handler runs, ACTIVE after the reply (or the failure). Default true. */
  typing?: boolean;
  /** Ms a call may take before it counts as failed (`RequestTimeout`). Default 30 000. */
  timeout?: number;
  /** Mark the messages READ when handling starts. Default false. */
  markRead?: boolean;
  /** The reply when a call fails or times out (and no handover applies). Default none. */
  fallback?: Reply | ((message: ContentMessage, error: AgentError) => Reply);
  /** The handover (e.g. {@link handoverToSkill}): used on failure, and by `handoverWhen`. Default none. */
  handover?: (message: ContentMessage, reason: HandoverReason) => Reply;
  /**
   * When to hand over without asking the handler: the consumer asks for a human (`true` for the
   * built-in phrases, or your pattern), or this many failed answers in a row. On failure without
   * `handoverWhen`, the handover (if any) applies at once.
   */
  handoverWhen?: { asksForHuman?: boolean | RegExp; failuresInARow?: number };
  /** Messages kept per conversation in `context.history`. Default 50. */
  historySize?: number;
  /** The bot's own state of a new conversation. Default `{}`. */
  initialState?: () => S;
  /** Called with each call's outcome (for counting, logging). */
  onOutcome?: (outcome: Outcome) => void;
  /** Where the timeout runs (virtual time in tests). Default the async scheduler. */
  scheduler?: SchedulerLike;
}

/** What {@link respond} uses of the agent. */
export type RespondAgent = Pick<Agent, 'messages$' | 'conversations$' | 'getUserProfile' | 'report'>;

const HUMAN = /\b(agent|human|person|representative|operator|someone real)\b/i;

/**
 * Whether a consumer's text asks for a human.
 *
 * @example
 * asksForHuman('can I talk to a human?'); // true
 */
export function asksForHuman(text: string, pattern: RegExp = HUMAN): boolean {
  return pattern.test(text);
}

/**
 * A handover to a skill (a human queue), with a message to the consumer first.
 *
 * @example
 * respond(agent, handler, { handover: handoverToSkill('human-skill', 'Let me get you a colleague.') });
 */
export function handoverToSkill(skillId: string, message?: string): (m: ContentMessage) => Command[] {
  return (m) => [...(message ? [sendText(m.dialogId, message, { replyTo: m })] : []), transferToSkill(m.convId, skillId)];
}

/**
 * A handover to one agent (SUGGESTED until they accept), with a message to the consumer first.
 *
 * @example
 * respond(agent, handler, { handover: handoverToAgent('123.456', 'vip-skill', 'Your account manager will take over.') });
 */
export function handoverToAgent(agentLegacyId: string, skillId: string, message?: string): (m: ContentMessage) => Command[] {
  return (m) => [...(message ? [sendText(m.dialogId, message, { replyTo: m })] : []), transferToAgent(m.convId, agentLegacyId, skillId)];
}

interface ContextRecord<S> {
  readonly state: S;
  conversation: Conversation | undefined;
  readonly history: MessagingEvent[];
  failures: number;
  profile: Promise<UserProfile | undefined> | undefined;
}

const isCommand = (value: unknown): value is Command => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && (value as { type: string }).type.startsWith('.');
const isClosed = (c: { type: string; conversation: Conversation }): boolean => c.type === 'DELETE' || c.conversation.state === 'CLOSE';
const isQuestion = (m: MessagingEvent): m is ContentMessage =>
  m.type === 'ContentEvent' && !m.isMe && m.history !== true && (m.role === undefined || m.role === 'CONSUMER') && typeof m.event.message === 'string';

/** Commands of a reply to `to`, each keyed by it (`replyTo`, parts numbered). */
function commandsOf(reply: Reply, to: ContentMessage): Command[] {
  if (reply === undefined || reply === null) return [];
  const items = Array.isArray(reply) ? (reply as readonly (string | RichContent | Command)[]) : [reply as string | RichContent | Command];
  let part = 0;
  return items.map((item) => {
    if (typeof item === 'string') return sendText(to.dialogId, item, { replyTo: to, part: ++part });
    if (isCommand(item)) return item;
    return sendRichContent(to.dialogId, item, { replyTo: to, part: ++part });
  });
}

/** A counting semaphore: at most `limit` tasks subscribed at once; the rest wait in order. */
function semaphore(limit: number): <T>(task$: Observable<T>) => Observable<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return <T>(task$: Observable<T>) =>
    new Observable<T>((subscriber) => {
      let holding = false;
      let inner: Subscription | undefined;
      const release = (): void => {
        if (!holding) return;
        holding = false;
        running--;
        waiting.shift()?.();
      };
      const start = (): void => {
        holding = true;
        running++;
        inner = task$.subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => {
            release();
            subscriber.error(e);
          },
          complete: () => {
            release();
            subscriber.complete();
          },
        });
      };
      if (running < limit) start();
      else waiting.push(start);
      return () => {
        const queued = waiting.indexOf(start);
        if (queued >= 0) waiting.splice(queued, 1);
        inner?.unsubscribe();
        release();
      };
    });
}

/**
 * One conversation's messages, answered under the concurrency mode: `handle(batch)` runs for one
 * message (`queue`), or for every message written since the last call started (`batch`), or is
 * cancelled and restarted with the messages so far (`latest`). Completes, cancelling what runs,
 * when the conversation's messages end (it closed).
 */
function perConversation(messages$: Observable<ContentMessage>, mode: 'queue' | 'latest' | 'batch', handle: (batch: ContentMessage[]) => Observable<Command>): Observable<Command> {
  return new Observable<Command>((subscriber) => {
    const pending: ContentMessage[] = [];
    let current: ContentMessage[] = [];
    let running: Subscription | undefined;
    let runs = 0;
    let ended = false;
    const next = (): void => {
      if (running || pending.length === 0) {
        if (ended && !running) subscriber.complete();
        return;
      }
      current = mode === 'queue' ? pending.splice(0, 1) : pending.splice(0);
      const run = ++runs;
      let done = false;
      const sub = handle(current).subscribe({
        next: (c) => subscriber.next(c),
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          done = true;
          if (run !== runs) return;
          running = undefined;
          current = [];
          next();
        },
      });
      if (!done) running = sub;
    };
    const input = messages$.subscribe({
      next: (m) => {
        if (mode === 'latest' && running) {
          // The newer message supersedes the call: its answer covers every message it cancelled.
          runs++;
          running.unsubscribe();
          running = undefined;
          pending.unshift(...current);
          current = [];
        }
        pending.push(m);
        next();
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        ended = true;
        running?.unsubscribe();
        running = undefined;
        subscriber.complete();
      },
    });
    return () => {
      input.unsubscribe();
      running?.unsubscribe();
    };
  });
}

/**
 * Answers consumers with an async handler (a language model, a search, a backend call), as a
 * stream of commands for `agent.run`. Conversations are units of work: each has its own queue
 * (`concurrency`), its own context (`ConversationContext`: details, profile, history, state), freed
 * when it closes; different conversations run in parallel up to `maxConcurrent`. While a call runs
 * the consumer sees the bot typing; a call that throws or outlives `timeout` gets the `fallback`
 * and/or the `handover`, is reported on `errors$`, and touches no other conversation. Every
 * consumer message gets exactly one outcome (`onOutcome`), and replies are keyed by the message
 * they answer (`replyTo`), so a drop or a failover never repeats one.
 *
 * The intuition: `groupBy(conversation)` → a per-conversation `concatMap`/`switchMap`/batch →
 * `timeout` + `catchError` per call, wrapped in typing indicators.
 *
 * ## Example
 * ```ts
 * import { respond, handoverToSkill } from 'lp-agent-rx';
 *
 * agent.run(respond(agent, async (m, ctx) => model.answer(m.event.message, ctx.history), {
 *   timeout: 20_000,
 *   fallback: 'Sorry, I could not get that. Could you rephrase?',
 *   handover: handoverToSkill('humans', 'Let me get you a colleague.'),
 *   handoverWhen: { asksForHuman: true, failuresInARow: 2 },
 * }));
 * ```
 *
 * @see docs/async-bots.md
 * @param agent Where the messages and conversations come from, and where errors go.
 * @param handler The answer to one message (or to a batch: `context.messages`).
 * @param options Concurrency, typing, timeout, fallback, handover, receipts.
 * @return The commands to run.
 */
export function respond<S = Record<string, unknown>>(agent: RespondAgent, handler: RespondHandler<S>, options: RespondOptions<S> = {}): Observable<Command> {
  const {
    concurrency = 'queue',
    maxConcurrent = 16,
    typing = true,
    timeout: timeoutMs = 30_000,
    markRead = false,
    fallback,
    handover,
    handoverWhen = {},
    historySize = 50,
    initialState = () => ({}) as S,
    onOutcome,
    scheduler,
  } = options;
  return defer(() => {
    const contexts = new Map<string, ContextRecord<S>>();
    const limit = semaphore(maxConcurrent);
    const contextOf = (convId: string): ContextRecord<S> => {
      let record = contexts.get(convId);
      if (!record) contexts.set(convId, (record = { state: initialState(), conversation: undefined, history: [], failures: 0, profile: undefined }));
      return record;
    };
    const conversations$ = agent.conversations$.pipe(share());
    const closed$ = conversations$.pipe(filter((c) => isClosed(c)), map((c) => c.convId), share());
    // Bookkeeping: conversation details, bounded history, and memory freed on close.
    const track$ = merge(
      conversations$.pipe(
        map((c) => {
          if (isClosed(c)) contexts.delete(c.convId);
          else contextOf(c.convId).conversation = c.conversation;
        }),
      ),
      agent.messages$.pipe(
        map((m) => {
          const record = contexts.get(m.convId) ?? (isQuestion(m) ? contextOf(m.convId) : undefined);
          if (!record) return;
          record.history.push(m);
          if (record.history.length > historySize) record.history.splice(0, record.history.length - historySize);
        }),
      ),
    ).pipe(ignoreElements());

    const outcome = (kind: Outcome['kind'], batch: readonly ContentMessage[], extra: { reason?: HandoverReason; error?: AgentError } = {}): void => onOutcome?.({ kind, messages: batch, ...extra });

    const handle = (batch: ContentMessage[]): Observable<Command> => {
      const last = batch[batch.length - 1];
      if (!last) return EMPTY;
      const record = contextOf(last.convId);
      const context: ConversationContext<S> = {
        convId: last.convId,
        dialogId: last.dialogId,
        messages: batch,
        history: record.history,
        get conversation() {
          return record.conversation;
        },
        state: record.state,
        failures: record.failures,
        profile: () => {
          const consumer = record.conversation?.participants.find((p) => p.role === 'CONSUMER')?.id ?? last.originatorId;
          record.profile ??= consumer
            ? new Promise((resolve) => agent.getUserProfile(consumer).subscribe({ next: (p) => resolve(p), error: () => resolve(undefined), complete: () => resolve(undefined) }))
            : Promise.resolve(undefined);
          return record.profile;
        },
      };
      const read$ = markRead ? of(readReceipt(last.dialogId, batch.map((m) => m.sequence))) : EMPTY;
      const wrap = (body$: Observable<Command>): Observable<Command> =>
        typing ? concat(of(chatState(last.dialogId, 'COMPOSING')), body$, of(chatState(last.dialogId, 'ACTIVE'))) : body$;
      const handOver = (reason: HandoverReason, error?: AgentError): Observable<Command> => {
        record.failures = 0;
        outcome('handover', batch, { reason, ...(error ? { error } : {}) });
        return from(commandsOf(handover?.(last, reason), last));
      };
      const wantsHuman = handoverWhen.asksForHuman;
      if (handover && wantsHuman && batch.some((m) => asksForHuman(String(m.event.message), wantsHuman instanceof RegExp ? wantsHuman : HUMAN))) {
        return concat(read$, handOver('asked'));
      }
      const call$ = defer(() => {
        const result = handler(last, context);
        return isObservable(result) ? result : from(Promise.resolve(result));
      }).pipe(
        toArray(),
        timeout({ first: timeoutMs, ...(scheduler ? { scheduler } : {}), with: () => { throw new RequestTimeout('respond', last.convId, timeoutMs); } }),
        map((replies) => {
          const commands = replies.flatMap((r) => commandsOf(r, last));
          record.failures = 0;
          outcome(commands.length > 0 ? 'reply' : 'silent', batch);
          return commands;
        }),
        mergeMap((commands) => from(commands)),
        catchError((e: unknown) => {
          const error = e instanceof RequestTimeout ? e : new PipelineError(`respond: the handler failed in conversation ${last.convId}: ${toAgentError(e).message}`);
          agent.report(error);
          record.failures += 1;
          const reason: HandoverReason = e instanceof RequestTimeout ? 'timeout' : 'error';
          const limitReached = handoverWhen.failuresInARow !== undefined && record.failures >= handoverWhen.failuresInARow;
          if (handover && (handoverWhen.failuresInARow === undefined || limitReached)) return handOver(limitReached ? 'failures' : reason, error);
          const reply = typeof fallback === 'function' ? fallback(last, error) : fallback;
          outcome('fallback', batch, { error });
          return from(commandsOf(reply, last));
        }),
      );
      return concat(read$, wrap(limit(call$)));
    };

    const work$ = agent.messages$.pipe(
      filter(isQuestion),
      groupBy((m) => m.convId, { duration: (group) => closed$.pipe(filter((convId) => convId === group.key)) }),
      mergeMap((group) => perConversation(group, concurrency, handle)),
    );
    return merge(track$, work$);
  });
}
