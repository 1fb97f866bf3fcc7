import { map, type Observable } from 'rxjs';
import { ConnectionClosed, toAgentError } from '../domain/errors.js';
import { SequenceTracker } from '../domain/sequences.js';
import type { ConversationChange, MessagingEvent } from '../domain/types.js';
import type { EventRecord } from '../protocol/index.js';
import { followsAs, JoinWaits, markAnswered, MAX_FOLLOWED, MAX_HELD, type ResumeConfig } from './follow.js';
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
  /** Dialogs closed (true) or left (false) while being caught up: let go once caught up. */
  private readonly closing = new Map<string, boolean>();
  private readonly joinWaits: JoinWaits;
  /** Where joining a dialog starts: a restored checkpoint's watermark. */
  private readonly seeds = new Map<string, number>();

  constructor(private readonly config: ResumeConfig) {
    this.joinWaits = new JoinWaits(config.scheduler);
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
      if (change.type === 'DELETE' || conversation.state === 'CLOSE') this.close(change.convId, true);
      else if (followsAs(change.myRole)) this.join(change.convId, conversation.lastContentEvent?.sequence);
      return;
    }
    // Closed dialogs go; one still open in a closed conversation (its post-survey) stays while open.
    for (const d of conversation.dialogs) if (d.state !== 'OPEN') this.close(d.dialogId, true);
    if (!followsAs(change.myRole)) {
      // Transferred away: not re-queried, but what was delivered is kept (coming back repeats nothing).
      for (const d of conversation.dialogs) this.close(d.dialogId, false);
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
    const d = event.dialogId;
    // A sequence skipped: fetch it first; in a dialog not followed yet whose join may come, wait for that.
    if (this.config.follow && this.tracker.isAhead(d, event.sequence) && (this.followed.has(d) || this.config.joinsExpected?.())) {
      this.held.set(d, [event]);
      this.liveFrom.set(d, event.sequence);
      if (this.followed.has(d)) return this.fetch(d, false, PRIORITY.live);
      return this.joinWaits.start(d, () => {
        if (!this.followed.has(d)) this.release(d);
      });
    }
    if (this.tracker.add(event.dialogId, event.sequence)) this.config.deliver(event);
  }

  /** A caller's QueryMessages records: delivered unless seen (held while the dialog is fetched); all returned. */
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

  /** A dialog's events newer than `after`, every page, paced, for a publish's key: never delivered. */
  lookup(dialogId: string, after: number): Observable<MessagingEvent[]> {
    return historyPages(this.config, dialogId, after, PRIORITY.lookup).pipe(map((records) => this.normalize(records)));
  }

  /** The socket dropped: every fetch stops, and every dialog to catch up holds its live events till then. */
  onDisconnected(): void {
    this.dispose(false);
    if (this.config.mutations?.has('forgetWatermark')) for (const id of this.followed.keys()) this.tracker.forget(id);
    // With `follow: false`, only dialogs where something was delivered are caught up.
    for (const id of this.followed.keys()) if ((this.config.follow || this.tracker.highest(id) > 0) && !this.held.has(id)) this.held.set(id, []);
  }

  /** Ready again: re-query every held dialog from the last sequence delivered; those with live events waiting first. */
  onReady(): void {
    if (this.config.mutations?.has('skipCatchUp')) return;
    for (const [id, held] of this.held) if (this.followed.has(id)) this.fetch(id, this.joining.has(id), held.length > 0 ? PRIORITY.live : PRIORITY.normal);
  }

  /** After a reconnect, a followed dialog whose conversation no snapshot lists closed (or left this agent) meanwhile. */
  reconcile(openConversations: ReadonlySet<string>): void {
    for (const id of [...this.followed.keys()]) if (!this.surveys.has(id) && !openConversations.has(this.config.conversationOf(id) ?? id)) this.close(id, false);
  }

  /** Stops every fetch (and, for good, lets go of what is held). */
  dispose(forGood = true): void {
    for (const f of this.fetching.values()) f.subscription?.unsubscribe();
    this.fetching.clear();
    if (!forGood) return;
    this.held.clear();
    this.joinWaits.dispose();
  }

  private join(dialogId: string, hint: number | undefined): void {
    this.followed.set(dialogId, hint);
    this.joinWaits.cancel(dialogId);
    // A survey dialog whose close is never announced is not kept for ever: the oldest goes past the bound.
    if (this.followed.size > MAX_FOLLOWED) {
      const [oldest] = this.followed.keys();
      if (oldest !== undefined) this.forget(oldest);
    }
    if (this.config.follow) this.fetch(dialogId, true, PRIORITY.normal);
  }

  /** A snapshot names a followed dialog's last content event: delivered already and nothing live waiting, no catch-up. */
  private settleIfUnchanged(dialogId: string, hint: number | undefined): void {
    if (hint !== undefined) this.followed.set(dialogId, hint);
    const held = this.held.get(dialogId);
    if (hint === undefined || !held || held.length > 0 || this.joining.has(dialogId) || this.overflowed.has(dialogId)) return;
    // Changed while the agent was away: its catch-up goes first.
    if (hint > this.tracker.highest(dialogId)) return this.expedite(dialogId, PRIORITY.urgent);
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
  private expedite(dialogId: string, priority: number = PRIORITY.live): void {
    const f = this.fetching.get(dialogId);
    if (f && !f.started && f.priority < priority) this.fetch(dialogId, f.join, priority);
  }

  /** A dialog closed (`forget`) or left this agent: being caught up, it goes only once caught up. */
  private close(dialogId: string, forget: boolean, caughtUp = false): void {
    if (!caughtUp && this.held.has(dialogId) && this.followed.has(dialogId) && this.config.follow) {
      this.closing.set(dialogId, forget || (this.closing.get(dialogId) ?? false));
      return;
    }
    this.closing.delete(dialogId);
    if (forget) this.forget(dialogId);
    else this.unfollow(dialogId);
  }

  /** A fetch ended: what is held goes out, and a dialog that closed meanwhile is let go. */
  private done(dialogId: string): void {
    this.release(dialogId);
    const forget = this.closing.get(dialogId);
    if (forget !== undefined) this.close(dialogId, forget, true);
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
    // Events held when it closed still reach messages$. Its watermark stays (unpinned, so the tracker's
    // bound lets it go in time): a stale change that reopens it delivers nothing twice.
    this.unfollow(dialogId);
    this.release(dialogId);
    this.seeds.delete(dialogId);
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
    const subscription = historyPages(this.config, dialogId, from, priority, () => (f.started = true)).subscribe({
      next: (records) => {
        this.fetching.delete(dialogId);
        this.joining.delete(dialogId);
        this.config.fetched?.(dialogId, records, join);
        this.deliverHistory(join ? newest(records, history, this.liveFrom.get(dialogId)) : records, join);
        if (this.overflowed.delete(dialogId)) return this.fetch(dialogId, false, PRIORITY.urgent);
        this.done(dialogId);
      },
      error: (e: unknown) => {
        this.fetching.delete(dialogId);
        // A closed socket: it keeps holding, and the next catch-up starts over. A failure that will
        // not pass (a 4xx): reported, and what is held goes out (nothing more can be fetched).
        if (e instanceof ConnectionClosed) return;
        this.config.report(toAgentError(e));
        this.joining.delete(dialogId);
        this.done(dialogId);
      },
    });
    if (subscription.closed) return;
    f.subscription = subscription;
    this.fetching.set(dialogId, f);
  }

  private normalize(records: readonly EventRecord[]): MessagingEvent[] {
    return normalizeHistory(records, this.config.identity(), this.config.conversationOf);
  }

  /** History in sequence order; on joining, what another agent or bot already answered is marked history. */
  private deliverHistory(records: readonly EventRecord[], join: boolean): void {
    const events = this.normalize(records).sort((a, b) => a.sequence - b.sequence);
    const { follow, isOwn } = this.config;
    for (const e of join && follow ? markAnswered(events, follow.answeredBy, isOwn) : events) if (this.tracker.add(e.dialogId, e.sequence)) this.config.deliver(e);
  }

  private release(dialogId: string): void {
    const held = this.held.get(dialogId);
    this.held.delete(dialogId);
    this.liveFrom.delete(dialogId);
    if (!held) return;
    this.joinWaits.cancel(dialogId);
    held.sort((a, b) => a.sequence - b.sequence);
    for (const e of held) if (this.tracker.add(e.dialogId, e.sequence)) this.config.deliver(e);
  }
}
