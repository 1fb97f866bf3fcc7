import { EMPTY, expand, map, type Observable, reduce, type Subscription } from 'rxjs';
import { ConnectionClosed, toAgentError, type AgentError } from '../domain/errors.js';
import { normalizeEventRecord } from '../domain/normalizeEventRecord.js';
import { SequenceTracker } from '../domain/sequences.js';
import type { ChatStateChange, ConversationChange, Identity, MessagingEvent } from '../domain/types.js';
import type { EventRecord } from '../protocol/index.js';
import { causeOfReplyKey } from '../domain/replyKeys.js';
import { idempotencyKeyOf } from './publish.js';

/**
 * Following conversations: when the agent becomes an active participant of a conversation, it
 * fetches each open dialog's history and delivers it on `messages$` ahead of the dialog's live
 * events. `false` turns this off (pipelines then query history themselves).
 *
 * @example
 * createAgent({ ...creds, follow: { history: 200 } });
 */
export interface FollowOptions {
  /** Most records fetched per dialog when joining. Default 1 000. */
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
 * What the resume part needs from the agent.
 *
 * @example
 * new Resume({ follow: { history: 1_000, pageSize: 100, answeredBy: 'anyReply' }, query, identity, deliver, chatState, report, isOwn });
 */
export interface ResumeConfig {
  readonly follow: Required<FollowOptions> | false;
  /** Per dialog, the sequence up to which another process already dealt with it (a restored checkpoint). */
  readonly resumeFrom?: Readonly<Record<string, number>>;
  /** One page of a dialog's history: records newer than `after`, at most `max` (paced by the caller). */
  query(dialogId: string, after: number, max: number): Observable<readonly EventRecord[]>;
  identity(): Identity | undefined;
  /** The conversation of a dialog (survey dialogs are not their conversation's id). */
  conversationOf(dialogId: string): string | undefined;
  /** Puts a message on `messages$`. */
  deliver(event: MessagingEvent): void;
  chatState(change: ChatStateChange): void;
  report(error: AgentError): void;
  /** Whether this agent published the event in this run (its own replies never make history). */
  isOwn(event: MessagingEvent): boolean;
  /** A dialog's history arrived (for diagnostics). */
  fetched?(dialogId: string, records: readonly EventRecord[], join: boolean): void;
}

/**
 * Live events held per dialog while its history is on its way. Past this, the dialog's held events
 * are delivered and it stops waiting (its history then arrives after them, still once each): memory
 * stays bounded when thousands of dialogs wait in the pacing queue.
 */
const MAX_HELD = 1_000;

/** Dialogs followed at most (open conversations; LivePerson allows 999 per bot user). */
const MAX_FOLLOWED = 10_000;

/** Roles that follow a conversation; a READER only watches. */
const followsAs = (role: string | undefined): boolean => role !== undefined && role !== 'READER' && role !== 'CONSUMER';

/**
 * The resume part: exactly-once `messages$` per `(dialogId, sequence)`, history on join, and
 * catch-up after a drop. While a dialog's history is being fetched, its live events are held and
 * delivered after it, so `messages$` stays in order whether or not the network dropped.
 *
 * @example
 * const resume = new Resume(config);
 * resume.onConversation(change); resume.onLive(event); resume.onDisconnected(); resume.onReady();
 */
export class Resume {
  private readonly tracker = new SequenceTracker();
  /** Dialogs of conversations this agent takes part in (re-queried after every drop). */
  private readonly followed = new Set<string>();
  /** Live events held per dialog while its history is fetched. */
  private readonly held = new Map<string, MessagingEvent[]>();
  private readonly fetching = new Map<string, Subscription>();
  /** Dialogs whose history on joining is not fetched yet. */
  private readonly joining = new Set<string>();
  /** Where joining a dialog starts: a restored checkpoint's watermark. */
  private readonly seeds = new Map<string, number>();

  constructor(private readonly config: ResumeConfig) {
    for (const [dialogId, sequence] of Object.entries(config.resumeFrom ?? {})) {
      if (!(sequence > 0)) continue;
      this.seeds.set(dialogId, sequence);
      this.tracker.seed(dialogId, sequence);
    }
  }

  /** Dialogs followed now. */
  get dialogs(): number {
    return this.followed.size;
  }

  /** Dialogs whose history is on its way (their live events held). */
  get backlog(): number {
    return this.held.size;
  }

  /** Follows the open dialogs of a conversation this agent is in; forgets them once it closes. */
  onConversation(change: ConversationChange): void {
    const { conversation } = change;
    if (conversation.dialogs.length === 0) {
      if (change.type === 'DELETE' || conversation.state === 'CLOSE') this.forget(change.convId);
      else if (followsAs(change.myRole)) this.join(change.convId);
      return;
    }
    // Closed dialogs are forgotten. A dialog still open in a closed conversation (the survey that
    // follows the MAIN dialog's close) is followed while it is open.
    for (const d of conversation.dialogs) if (d.state !== 'OPEN') this.forget(d.dialogId);
    if (!followsAs(change.myRole)) {
      // Transferred away (or never in it): stop re-querying it, but keep what was delivered, so
      // coming back later delivers nothing twice.
      for (const d of conversation.dialogs) this.unfollow(d.dialogId);
      return;
    }
    for (const d of conversation.dialogs) if (d.state === 'OPEN') this.join(d.dialogId);
  }

  private join(dialogId: string): void {
    if (this.followed.has(dialogId)) return;
    this.followed.add(dialogId);
    // A survey dialog whose close is never announced (its conversation left the subscription) must
    // not be kept for ever: past the bound, the longest-followed dialog is dropped.
    if (this.followed.size > MAX_FOLLOWED) {
      const [oldest] = this.followed;
      if (oldest !== undefined) this.forget(oldest);
    }
    if (this.config.follow) this.fetch(dialogId, true);
  }

  /** A live event: held while its dialog is fetched, otherwise delivered unless seen before. */
  onLive(event: MessagingEvent): void {
    // Nothing held (the usual case): no lookup, so the dialog id is never hashed on the hot path.
    const held = this.held.size === 0 ? undefined : this.held.get(event.dialogId);
    if (held) {
      held.push(event);
      if (held.length >= MAX_HELD) this.release(event.dialogId);
    } else if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
  }

  /**
   * Records of a QueryMessages answer, however it was sent: delivered unless seen before.
   * @return Every record, normalized (duplicates included), for the caller.
   */
  onRecords(records: readonly EventRecord[]): MessagingEvent[] {
    const identity = this.config.identity();
    const out: MessagingEvent[] = [];
    if (!identity) return out;
    for (const record of records) {
      const event = normalizeEventRecord(record, identity, 'query', this.config.conversationOf);
      if (event.type === 'ChatStateEvent') continue;
      out.push(event);
      if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
    }
    return out;
  }

  /** The highest sequence delivered in a dialog (0 when none). */
  highest(dialogId: string): number {
    return this.tracker.highest(dialogId);
  }

  /**
   * The socket dropped: every fetch stops (none waits in the queue for a socket) and every followed
   * dialog's live events are held until it is caught up.
   */
  onDisconnected(): void {
    for (const sub of this.fetching.values()) sub.unsubscribe();
    this.fetching.clear();
    for (const id of this.followed) if (!this.held.has(id)) this.held.set(id, []);
  }

  /** Ready again: re-query every followed dialog from the last sequence delivered. */
  onReady(): void {
    for (const id of this.followed) this.fetch(id, this.joining.has(id));
  }

  /** Stops every fetch. */
  dispose(): void {
    for (const sub of this.fetching.values()) sub.unsubscribe();
    this.fetching.clear();
    this.held.clear();
  }

  private unfollow(dialogId: string): void {
    if (!this.followed.delete(dialogId)) return;
    this.joining.delete(dialogId);
    this.fetching.get(dialogId)?.unsubscribe();
    this.fetching.delete(dialogId);
    this.release(dialogId);
  }

  private forget(dialogId: string): void {
    this.fetching.get(dialogId)?.unsubscribe();
    this.fetching.delete(dialogId);
    this.followed.delete(dialogId);
    this.joining.delete(dialogId);
    this.seeds.delete(dialogId);
    // Events that arrived during a fetch cut short by the close still reach messages$, checked
    // against what was delivered; only then is the dialog's memory released.
    this.release(dialogId);
    this.tracker.forget(dialogId);
  }

  /**
   * Fetches a dialog's history, page by page (a join from 0, capped at `history`; a catch-up from
   * the last sequence delivered, uncapped), then releases the held live events.
   */
  private fetch(dialogId: string, join: boolean): void {
    this.fetching.get(dialogId)?.unsubscribe();
    if (!this.held.has(dialogId)) this.held.set(dialogId, []);
    if (join) this.joining.add(dialogId);
    const { pageSize, history } = this.config.follow || { pageSize: 100, history: Infinity };
    const limit = join ? history : Infinity;
    const from = join ? (this.seeds.get(dialogId) ?? 0) : this.tracker.highest(dialogId);
    interface Page {
      readonly records: readonly EventRecord[];
      readonly asked: number;
      readonly left: number;
    }
    const page = (after: number, left: number): Observable<Page> => {
      const asked = Math.min(pageSize, left);
      return this.config.query(dialogId, after, asked).pipe(map((records) => ({ records, asked, left: left - records.length })));
    };
    const pages$ = page(from, limit).pipe(
      expand((p) => (p.records.length < p.asked || p.left <= 0 ? EMPTY : page(highestOf(p.records), p.left))),
      reduce((all: EventRecord[], p) => all.concat(p.records), []),
    );
    const running = pages$.subscribe({
      next: (records) => {
        this.fetching.delete(dialogId);
        this.joining.delete(dialogId);
        this.config.fetched?.(dialogId, records, join);
        this.deliverHistory(records, join);
        this.release(dialogId);
      },
      error: (e: unknown) => {
        this.fetching.delete(dialogId);
        // Cut short by a drop: keep holding; the catch-up on the next connection starts over.
        if (e instanceof ConnectionClosed) return;
        this.joining.delete(dialogId);
        this.config.report(toAgentError(e));
        this.release(dialogId);
      },
    });
    if (!running.closed) this.fetching.set(dialogId, running);
  }

  private deliverHistory(records: readonly EventRecord[], join: boolean): void {
    const identity = this.config.identity();
    if (!identity) return;
    const events: MessagingEvent[] = [];
    for (const record of records) {
      const event = normalizeEventRecord(record, identity, 'query', this.config.conversationOf);
      if (event.type !== 'ChatStateEvent') events.push(event);
    }
    events.sort((a, b) => a.sequence - b.sequence);
    // On joining, what another agent or bot already answered is history, not a question to answer;
    // a reply key of this user's names exactly the message it answered.
    let answered = 0;
    const answeredByKey = new Set<number>();
    if (join) {
      const keyedOnly = this.config.follow !== false && this.config.follow.answeredBy === 'replyKey';
      for (const e of events) {
        if (e.role === 'CONSUMER' || e.type === 'AcceptStatusEvent' || this.config.isOwn(e)) continue;
        const cause = e.isMe ? causeOfReplyKey(idempotencyKeyOf(e)) : undefined;
        if (cause?.dialogId === e.dialogId) answeredByKey.add(cause.sequence);
        if (!(keyedOnly && e.isMe)) answered = Math.max(answered, e.sequence);
      }
    }
    for (const e of events) {
      const event: MessagingEvent = e.sequence <= answered || answeredByKey.has(e.sequence) ? { ...e, history: true } : e;
      if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
    }
  }

  private release(dialogId: string): void {
    const held = this.held.get(dialogId);
    this.held.delete(dialogId);
    for (const e of held ?? []) if (this.tracker.add(e.dialogId, e.sequence)) this.config.deliver(e);
  }
}

function highestOf(records: readonly EventRecord[]): number {
  let highest = 0;
  for (const r of records) highest = Math.max(highest, r.sequence ?? 0);
  return highest;
}
