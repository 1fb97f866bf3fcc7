import type { SchedulerLike, Subscription } from 'rxjs';
import { causeOfReplyKey } from '../domain/replyKeys.js';
import type { Identity, MessagingEvent } from '../domain/types.js';
import type { EventRecord } from '../protocol/index.js';
import type { HistorySource } from './history.js';
import type { Mutation } from './mutations.js';
import { idempotencyKeyOf } from './publish.js';

/** Dialogs followed at most (open conversations; LivePerson allows 999 per bot user). */
export const MAX_FOLLOWED = 10_000;

/** Roles that follow a conversation; a READER only watches. */
export const followsAs = (role: string | undefined): boolean => role !== undefined && role !== 'READER' && role !== 'CONSUMER';

/**
 * Following conversations: when the agent becomes an active participant of a conversation, it
 * fetches each open dialog's history and delivers it on `messages$` ahead of the dialog's live
 * events. `false` turns this off (pipelines then query history themselves).
 *
 * @example
 * createAgent({ ...creds, follow: { history: 200 } });
 */
export interface FollowOptions {
  /** Most records delivered per dialog when joining: the newest ones. Default 1 000. */
  history?: number;
  /** Records per QueryMessages page. Default 100. */
  pageSize?: number;
  /**
   * On joining, which earlier events of this same agent user answer a consumer's message (so it is
   * marked `history: true` instead of being answered again):
   * - `'anyReply'` (default): any later message from an agent or bot, this user's included,
   *   answers every consumer message before it;
   * - `'replyKey'`: this user's messages answer exactly the message named by their reply key
   *   (`sendText(…, { replyTo })`), and nothing else; other participants' messages still answer
   *   everything before them. An agent pool uses this, so a greeting sent by the previous owner
   *   never hides an unanswered question.
   */
  answeredBy?: 'anyReply' | 'replyKey';
}

/**
 * Follow options with defaults applied (`false` stays off).
 *
 * @example
 * resolveFollow({ history: 200 }); // { history: 200, pageSize: 100, answeredBy: 'anyReply' }
 */
export function resolveFollow(follow: FollowOptions | false = {}): Required<FollowOptions> | false {
  if (follow === false) return false;
  return { history: follow.history ?? 1_000, pageSize: follow.pageSize ?? 100, answeredBy: follow.answeredBy ?? 'anyReply' };
}

/**
 * Marks what was already answered in a dialog's history found on joining: every consumer message
 * up to the last one another agent or bot answered (and, with `'replyKey'`, exactly the messages
 * this user's replies name) becomes `history: true`. Events come sorted by sequence.
 *
 * @example
 * markAnswered(events, 'anyReply', (e) => ownKeys.has(idempotencyKeyOf(e) ?? ''));
 *
 * @param events One dialog's events, oldest first.
 * @param answeredBy Which replies count (see {@link FollowOptions.answeredBy}).
 * @param isOwn Whether this agent published the event in this run (never counts as an answer).
 * @return The same events, those already answered marked.
 */
export function markAnswered(events: readonly MessagingEvent[], answeredBy: 'anyReply' | 'replyKey', isOwn: (e: MessagingEvent) => boolean): MessagingEvent[] {
  let answered = 0;
  const answeredByKey = new Set<number>();
  for (const e of events) {
    if (e.role === 'CONSUMER' || e.type === 'AcceptStatusEvent' || isOwn(e)) continue;
    const cause = e.isMe ? causeOfReplyKey(idempotencyKeyOf(e)) : undefined;
    if (cause?.dialogId === e.dialogId) answeredByKey.add(cause.sequence);
    if (!(answeredBy === 'replyKey' && e.isMe)) answered = Math.max(answered, e.sequence);
  }
  return events.map((e) => (e.sequence <= answered || answeredByKey.has(e.sequence) ? { ...e, history: true } : e));
}

/**
 * Live events held per dialog while its history is on its way. Past this, the held events are let
 * go and the dialog is fetched once more after its current fetch: memory stays bounded, and nothing
 * is delivered past a gap that was not fetched.
 */
export const MAX_HELD = 1_000;

/**
 * How long live events of a dialog the agent does not follow wait for its join when they show a
 * gap (they can come ahead of the conversation change that makes the agent a participant), in ms.
 */
export const JOIN_WAIT = 1_000;

/**
 * What the resume part needs from the agent.
 *
 * @example
 * new Resume({ follow: resolveFollow(), scheduler, query, identity, conversationOf, deliver, report, isOwn });
 */
export interface ResumeConfig extends HistorySource {
  readonly follow: Required<FollowOptions> | false;
  /** Per dialog, the sequence up to which another process already dealt with it (a restored checkpoint). */
  readonly resumeFrom?: Readonly<Record<string, number>>;
  identity(): Identity | undefined;
  /** The conversation of a dialog (survey dialogs are not their conversation's id). */
  conversationOf(dialogId: string): string | undefined;
  /** Puts a message on `messages$`. */
  deliver(event: MessagingEvent): void;
  /** Whether this agent published the event in this run (its own replies never make history). */
  isOwn(event: MessagingEvent): boolean;
  /**
   * Whether conversation changes are expected (the agent has a conversation subscription): then
   * live events of a dialog not followed yet wait a moment for its join.
   */
  joinsExpected?(): boolean;
  /** Deliberate defects (the simulator's canaries only). */
  readonly mutations?: ReadonlySet<Mutation>;
  /** A dialog's history arrived (for diagnostics). */
  fetched?(dialogId: string, records: readonly EventRecord[], join: boolean): void;
}

/**
 * Dialogs not followed (yet) whose live events wait a moment for the join: they can come ahead of
 * the conversation change that makes the agent a participant. `start` calls `giveUp` after
 * {@link JOIN_WAIT} ms unless `cancel` comes first.
 *
 * @example
 * waits.start(dialogId, () => release(dialogId)); waits.cancel(dialogId); // the join came
 */
export class JoinWaits {
  private readonly waits = new Map<string, Subscription>();

  constructor(private readonly scheduler: SchedulerLike) {}

  start(dialogId: string, giveUp: () => void): void {
    this.waits.set(
      dialogId,
      this.scheduler.schedule(() => {
        if (this.waits.delete(dialogId)) giveUp();
      }, JOIN_WAIT),
    );
  }

  cancel(dialogId: string): void {
    this.waits.get(dialogId)?.unsubscribe();
    this.waits.delete(dialogId);
  }

  dispose(): void {
    for (const wait of this.waits.values()) wait.unsubscribe();
    this.waits.clear();
  }
}
