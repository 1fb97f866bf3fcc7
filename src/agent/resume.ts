import { map, type Observable, type Subscription } from 'rxjs';
import { SequenceTracker } from '../domain/sequences.js';
import type { ConversationChange, MessagingEvent } from '../domain/types.js';
import type { EventRecord } from '../protocol/index.js';
import { followsAs, JOIN_WAIT, markAnswered, MAX_FOLLOWED, MAX_HELD, type ResumeConfig } from './follow.js';
import { historyPages, newest, normalizeHistory, PRIORITY, type Fetch } from './history.js';

export { resolveFollow, type FollowOptions, type ResumeConfig } from './follow.js';
export { PRIORITY } from './history.js';

/**
 * The resume part: exactly-once, in-order `messages$` per `(dialogId, sequence)`, history on join,
 * and catch-up after a drop or a gap. While a dialog's history is being fetched, its live events are
 * held and delivered after it. A fetch that fails for any reason but a closed socket is tried again,
 * paced, with backoff; held events are never released past a gap that was not fetched.
 *
 * @example
 * const resume = new Resume(config);
 * resume.onConversation(change); resume.onLive(event); resume.onDisconnected(); resume.onReady();
 */
export class Resume {
  /** Dialogs followed now, with the sequence of their last content event when a snapshot told it. */
  private readonly followed = new Map<string, number | undefined>();
  private readonly tracker = new SequenceTracker({ pinned: (id) => this.followed.has(id) });
  /** Live events held per dialog while its history is fetched. */
  private readonly held = new Map<string, MessagingEvent[]>();
  /** Open dialogs of closed conversations (post-surveys): absent from an OPEN snapshot, still followed. */
  private readonly surveys = new Set<string>();
  private readonly fetching = new Map<string, Fetch>();
  /** Dialogs whose history on joining is not fetched yet. */
  private readonly joining = new Set<string>();
  /** Dialogs whose held events overflowed: fetched once more before they are released. */
  private readonly overflowed = new Set<string>();
  /** The first live sequence held per joining dialog: a join's cap on history never drops live events. */
  private readonly liveFrom = new Map<string, number>();
  /** Dialogs not followed whose live events wait a moment for a join (they came ahead of it). */
  private readonly awaitingJoin = new Map<string, Subscription>();
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
      else if (followsAs(change.myRole)) this.join(change.convId, conversation.lastContentEvent?.sequence);
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
    const last = conversation.lastContentEvent;
    for (const d of conversation.dialogs) {
      if (d.state !== 'OPEN') continue;
      if (conversation.state === 'CLOSE') this.surveys.add(d.dialogId);
      const hint = last?.dialogId === d.dialogId ? last.sequence : undefined;
      if (this.followed.has(d.dialogId)) this.settleIfUnchanged(d.dialogId, hint);
      else this.join(d.dialogId, hint);
    }
  }

  /** A live event: held while its dialog is fetched, otherwise delivered unless seen before. */
  onLive(event: MessagingEvent): void {
    // Nothing held (the usual case): no lookup, so the dialog id is never hashed on the hot path.
    const held = this.held.size === 0 ? undefined : this.held.get(event.dialogId);
    if (held) return this.hold(held, event);
    if (this.config.follow && this.tracker.isAhead(event.dialogId, event.sequence)) {
      // Something between the last sequence delivered and this one never came: fetch it first. In
      // a dialog not followed (yet: its join may still be on its way), wait a moment for the join.
      this.held.set(event.dialogId, [event]);
      this.liveFrom.set(event.dialogId, event.sequence);
      if (this.followed.has(event.dialogId)) return this.fetch(event.dialogId, false, PRIORITY.urgent);
      const d = event.dialogId;
      const giveUp = (): void => {
        if (this.awaitingJoin.delete(d) && !this.followed.has(d)) this.release(d);
      };
      this.awaitingJoin.set(d, this.config.scheduler.schedule(giveUp, JOIN_WAIT));
      return;
    }
    if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
  }

  /**
   * Records of a QueryMessages answer sent by the caller: delivered unless seen before (held with
   * the dialog's live events while it is being fetched).
   * @return Every record, normalized (duplicates included), for the caller.
   */
  onRecords(records: readonly EventRecord[]): MessagingEvent[] {
    const out = this.normalize(records);
    for (const event of out) {
      const held = this.held.get(event.dialogId);
      if (held) this.hold(held, event);
      else if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
    }
    return out;
  }

  /** The highest sequence delivered in a dialog (0 when none). */
  highest(dialogId: string): number {
    return this.tracker.highest(dialogId);
  }

  /**
   * A dialog's events newer than `after`, every page, for a publish looking for its key: paced,
   * normalized, and not delivered (a lookup never puts history on `messages$`).
   */
  lookup(dialogId: string, after: number): Observable<MessagingEvent[]> {
    return this.pages(dialogId, after, Infinity, PRIORITY.lookup).pipe(map((records) => this.normalize(records)));
  }

  /**
   * The socket dropped: every fetch stops (none waits in the queue for a socket) and every dialog
   * to catch up holds its live events until it is caught up.
   */
  onDisconnected(): void {
    this.dispose(false);
    if (this.config.mutations?.has('forgetWatermark')) for (const id of this.followed.keys()) this.tracker.forget(id);
    // With `follow: false`, only dialogs where something was delivered are caught up.
    for (const id of this.followed.keys()) if ((this.config.follow || this.tracker.highest(id) > 0) && !this.held.has(id)) this.held.set(id, []);
  }

  /** Ready again: re-query every held dialog from the last sequence delivered; those with live events waiting first. */
  onReady(): void {
    if (this.config.mutations?.has('skipCatchUp')) return;
    for (const [id, held] of this.held) if (this.followed.has(id)) this.fetch(id, this.joining.has(id), held.length > 0 ? PRIORITY.urgent : PRIORITY.normal);
  }

  /** After a reconnect, a followed dialog whose conversation no snapshot lists closed (or left this agent) meanwhile. */
  reconcile(openConversations: ReadonlySet<string>): void {
    for (const id of [...this.followed.keys()]) if (!this.surveys.has(id) && !openConversations.has(this.config.conversationOf(id) ?? id)) this.unfollow(id);
  }

  /** Stops every fetch (and, for good, lets go of what is held). */
  dispose(forGood = true): void {
    for (const f of this.fetching.values()) f.subscription?.unsubscribe();
    this.fetching.clear();
    if (!forGood) return;
    this.held.clear();
    for (const wait of this.awaitingJoin.values()) wait.unsubscribe();
  }

  private join(dialogId: string, hint: number | undefined): void {
    this.followed.set(dialogId, hint);
    this.awaitingJoin.get(dialogId)?.unsubscribe();
    this.awaitingJoin.delete(dialogId);
    // A survey dialog whose close is never announced is not kept for ever: the oldest goes past the bound.
    if (this.followed.size > MAX_FOLLOWED) {
      const [oldest] = this.followed.keys();
      if (oldest !== undefined) this.forget(oldest);
    }
    if (this.config.follow) this.fetch(dialogId, true, PRIORITY.normal);
  }

  /**
   * A snapshot says what a followed dialog's last content event is: when it was delivered already
   * and nothing live is waiting, the dialog's catch-up is not needed (it costs what changed).
   */
  private settleIfUnchanged(dialogId: string, hint: number | undefined): void {
    if (hint !== undefined) this.followed.set(dialogId, hint);
    const held = this.held.get(dialogId);
    if (hint === undefined || !held || held.length > 0 || this.joining.has(dialogId) || this.overflowed.has(dialogId)) return;
    // Changed while the agent was away: its catch-up goes first.
    if (hint > this.tracker.highest(dialogId)) return this.expedite(dialogId);
    this.settle(dialogId);
  }

  private hold(held: MessagingEvent[], event: MessagingEvent): void {
    if (this.config.mutations?.has('releaseHeldEarly')) return void (this.tracker.add(event.dialogId, event.sequence) && this.config.deliver(event));
    held.push(event);
    const dialogId = event.dialogId;
    if (event.sequence > 0 && !(event.sequence >= (this.liveFrom.get(dialogId) ?? Infinity))) this.liveFrom.set(dialogId, event.sequence);
    if (held.length >= MAX_HELD) {
      // Not followed (its join never came): nothing will fetch the gap, so stop waiting.
      if (!this.followed.has(dialogId)) return this.settle(dialogId);
      held.length = 0;
      this.overflowed.add(dialogId);
    }
    // A catch-up whose first live event follows right on what was delivered missed nothing: no query.
    const next = held.length === 1 && !this.joining.has(dialogId) && event.sequence === this.tracker.highest(dialogId) + 1;
    if (next) this.settle(dialogId);
    else this.expedite(dialogId);
  }

  /** Ends a dialog's wait without a fetch: what it holds is delivered. */
  private settle(dialogId: string): void {
    this.fetching.get(dialogId)?.subscription?.unsubscribe();
    this.fetching.delete(dialogId);
    this.release(dialogId);
  }

  /** Moves a dialog's fetch waiting in the queue to the front (a live event or a snapshot says it changed). */
  private expedite(dialogId: string): void {
    const f = this.fetching.get(dialogId);
    if (f && !f.started && f.priority < PRIORITY.urgent) this.fetch(dialogId, f.join, PRIORITY.urgent);
  }

  private unfollow(dialogId: string): void {
    this.surveys.delete(dialogId);
    if (!this.followed.delete(dialogId)) return;
    this.joining.delete(dialogId);
    this.overflowed.delete(dialogId);
    this.fetching.get(dialogId)?.subscription?.unsubscribe();
    this.fetching.delete(dialogId);
    this.release(dialogId);
  }

  private forget(dialogId: string): void {
    // Events held when it closed still reach messages$ (unfollow releases them); then its memory goes.
    this.unfollow(dialogId);
    this.release(dialogId);
    this.seeds.delete(dialogId);
    this.tracker.forget(dialogId);
  }

  /** Every page of a dialog's history newer than `after`, up to `limit` records, each page retried on failure. */
  private pages(dialogId: string, after: number, limit: number, priority: number, onStart?: () => void): Observable<EventRecord[]> {
    return historyPages(this.config, (this.config.follow || { pageSize: 100 }).pageSize, dialogId, after, limit, priority, onStart);
  }
  /**
   * Fetches a dialog's history, page by page (a join keeps the newest `history` records; a catch-up
   * reads everything from the last sequence delivered), then releases the held live events.
   */
  private fetch(dialogId: string, join: boolean, priority: number): void {
    this.fetching.get(dialogId)?.subscription?.unsubscribe();
    if (!this.held.has(dialogId)) this.held.set(dialogId, []);
    if (join) this.joining.add(dialogId);
    const history = this.config.follow ? this.config.follow.history : Infinity;
    const hint = this.followed.get(dialogId);
    const seed = this.seeds.get(dialogId) ?? 0;
    // Joining a long dialog starts near its end when a snapshot said where the end is, and never
    // above the live events held: the cap keeps the newest records written before them.
    const end = hint === undefined ? undefined : Math.min(hint, (this.liveFrom.get(dialogId) ?? Infinity) - 1);
    const from = join ? Math.max(seed, end !== undefined ? end - history : 0) : this.tracker.highest(dialogId);
    const f: Fetch = { join, priority, started: false };
    const subscription = this.pages(dialogId, from, Infinity, priority, () => (f.started = true)).subscribe({
      next: (records) => {
        this.fetching.delete(dialogId);
        this.joining.delete(dialogId);
        this.config.fetched?.(dialogId, records, join);
        this.deliverHistory(join ? newest(records, history, this.liveFrom.get(dialogId)) : records, join);
        if (this.overflowed.delete(dialogId)) this.fetch(dialogId, false, PRIORITY.urgent);
        else this.release(dialogId);
      },
      // Only a closed socket ends a fetch early: it keeps holding, and the next catch-up starts over.
      error: () => this.fetching.delete(dialogId),
    });
    if (subscription.closed) return;
    f.subscription = subscription;
    this.fetching.set(dialogId, f);
  }

  private normalize(records: readonly EventRecord[]): MessagingEvent[] {
    return normalizeHistory(records, this.config.identity(), this.config.conversationOf);
  }

  private deliverHistory(records: readonly EventRecord[], join: boolean): void {
    const events = this.normalize(records).sort((a, b) => a.sequence - b.sequence);
    // On joining, what another agent or bot already answered is history, not a question to answer.
    const marked = join && this.config.follow ? markAnswered(events, this.config.follow.answeredBy, (e) => this.config.isOwn(e)) : events;
    for (const event of marked) if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
  }

  private release(dialogId: string): void {
    const held = this.held.get(dialogId);
    this.held.delete(dialogId);
    this.liveFrom.delete(dialogId);
    if (!held) return;
    this.awaitingJoin.get(dialogId)?.unsubscribe();
    this.awaitingJoin.delete(dialogId);
    held.sort((a, b) => a.sequence - b.sequence);
    for (const e of held) if (this.tracker.add(e.dialogId, e.sequence)) this.config.deliver(e);
  }
}
