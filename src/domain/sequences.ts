/** A run of sequences seen, `lo..hi` inclusive. */
interface Run {
  lo: number;
  hi: number;
}

/** Memory bounds of a {@link SequenceTracker}. */
export interface SequenceTrackerConfig {
  /**
   * Gaps remembered per dialog between sequences seen out of order. When a dialog has more, its
   * lowest gap is treated as seen (a sequence from it arriving later counts as a duplicate); the
   * gap below the lowest sequence seen is never filled, so history replayed after live messages
   * still gets through. Default 32.
   */
  maxGaps?: number;
  /** Dialogs remembered; beyond that the least recently active one is forgotten. Default 10 000. */
  maxDialogs?: number;
  /** Dialogs never forgotten to make room, however quiet (the ones an agent follows). */
  pinned?: (dialogId: string) => boolean;
}

/**
 * Remembers which sequences of each dialog were seen, in O(dialogs) memory: per dialog, sorted runs
 * of sequences. The first run ends at the watermark (nothing missing below it, from the first
 * sequence seen); the runs above hold what arrived out of order and merge into it as the gaps fill.
 * Shared by the agent (exactly-once `messages$`, re-query after a reconnect) and `dedupeMessages`.
 *
 * Sequence 0 and below mean "unsequenced" (chat states): they are never deduplicated.
 *
 * @example
 * const seen = new SequenceTracker();
 * seen.add('dialog-1', 5); // true: first time
 * seen.add('dialog-1', 5); // false: a duplicate
 * seen.highest('dialog-1'); // 5
 */
export class SequenceTracker {
  /** Insertion order is recency: a dialog moves to the end on every sequence. */
  private readonly dialogs = new Map<string, Run[]>();
  private readonly maxGaps: number;
  private readonly maxDialogs: number;
  private readonly pinned: ((dialogId: string) => boolean) | undefined;
  private last: string | undefined;
  private lastRuns: Run[] | undefined;

  constructor(config: SequenceTrackerConfig = {}) {
    this.maxGaps = config.maxGaps ?? 32;
    this.maxDialogs = config.maxDialogs ?? 10_000;
    this.pinned = config.pinned;
  }

  /**
   * Whether `sequence` would leave a gap above the highest sequence seen in the dialog (something
   * between them was not seen). Records nothing.
   */
  isAhead(dialogId: string, sequence: number): boolean {
    const runs = dialogId === this.last && this.lastRuns ? this.lastRuns : this.dialogs.get(dialogId);
    return sequence > (runs?.[runs.length - 1]?.hi ?? 0) + 1;
  }

  /** Records a sequence; true when it had not been seen before (deliver it), false for a duplicate. */
  add(dialogId: string, sequence: number): boolean {
    if (!(sequence > 0)) return true;
    const runs = this.touch(dialogId);
    let i = runs.length;
    while (i > 0 && (runs[i - 1]?.lo ?? -Infinity) > sequence) i--;
    const below = runs[i - 1];
    const above = runs[i];
    if (below && sequence <= below.hi) return false;
    const joinsBelow = below !== undefined && below.hi === sequence - 1;
    const joinsAbove = above !== undefined && above.lo === sequence + 1;
    if (below && above && joinsBelow && joinsAbove) {
      below.hi = above.hi;
      runs.splice(i, 1);
    } else if (below && joinsBelow) {
      below.hi = sequence;
    } else if (above && joinsAbove) {
      above.lo = sequence;
    } else {
      runs.splice(i, 0, { lo: sequence, hi: sequence });
    }
    const [first, second] = runs;
    if (first && second && runs.length > this.maxGaps + 1) {
      first.hi = second.hi;
      runs.splice(1, 1);
    }
    return true;
  }

  /** The highest sequence seen in a dialog (0 when none): re-query history from here after a drop. */
  highest(dialogId: string): number {
    const runs = this.dialogs.get(dialogId);
    return runs?.[runs.length - 1]?.hi ?? 0;
  }

  /** Starts following a dialog with nothing seen yet, so it is re-queried after a drop. */
  follow(dialogId: string): void {
    if (!this.dialogs.has(dialogId)) this.touch(dialogId);
  }

  /**
   * Marks `1..upTo` of a dialog seen, as a checkpoint restored in another process says; does nothing
   * when the dialog is already remembered.
   */
  seed(dialogId: string, upTo: number): void {
    if (upTo > 0 && !this.dialogs.has(dialogId)) this.touch(dialogId).push({ lo: 1, hi: upTo });
  }

  /** Whether anything of this dialog is remembered (a sequence seen, or followed). */
  has(dialogId: string): boolean {
    return this.dialogs.has(dialogId);
  }

  /** Forgets a dialog (it closed): its memory is released. */
  forget(dialogId: string): void {
    this.dialogs.delete(dialogId);
    if (dialogId === this.last) this.lastRuns = undefined;
  }

  /** The dialogs being followed, least recently active first. */
  followed(): string[] {
    return [...this.dialogs.keys()];
  }

  /** Runs held above the watermarks, over all dialogs: what out-of-order arrivals cost in memory. */
  get pending(): number {
    let n = 0;
    for (const runs of this.dialogs.values()) n += Math.max(0, runs.length - 1);
    return n;
  }

  private touch(dialogId: string): Run[] {
    // Already the most recent: the common case of a burst in one dialog costs one lookup.
    if (dialogId === this.last && this.lastRuns) return this.lastRuns;
    const runs = this.dialogs.get(dialogId) ?? [];
    this.dialogs.delete(dialogId);
    this.dialogs.set(dialogId, runs);
    this.last = dialogId;
    this.lastRuns = runs;
    if (this.dialogs.size > this.maxDialogs) this.evict();
    return runs;
  }

  /** Forgets the least recently active dialog that is not pinned; pinned ones move to the back. */
  private evict(): void {
    for (let tries = this.dialogs.size; tries > 0; tries--) {
      const [oldest] = this.dialogs.keys();
      if (oldest === undefined) return;
      const runs = this.dialogs.get(oldest) as Run[];
      this.dialogs.delete(oldest);
      if (oldest === this.last) this.lastRuns = undefined;
      if (!this.pinned?.(oldest)) return;
      this.dialogs.set(oldest, runs);
    }
  }
}
