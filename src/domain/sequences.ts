/**
 * Remembers which sequences of each dialog were delivered, in O(dialogs) memory: per dialog a low
 * watermark (every sequence at or below it counts as seen) plus a small set of sequences seen above
 * it, which arrive out of order or ahead of a gap. When the set outgrows `maxPending`, the oldest gaps
 * are given up and the watermark moves past them, so memory stays bounded whatever the traffic.
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
  private readonly dialogs = new Map<string, { low: number; high: number; above: Set<number> }>();

  /** @param maxPending How many out-of-order sequences to hold per dialog before giving up the oldest gaps. */
  constructor(private readonly maxPending = 256) {}

  /** Records a sequence; true when it had not been seen before (deliver it), false for a duplicate. */
  add(dialogId: string, sequence: number): boolean {
    if (sequence <= 0) return true;
    let d = this.dialogs.get(dialogId);
    if (!d) {
      d = { low: 0, high: 0, above: new Set() };
      this.dialogs.set(dialogId, d);
    }
    if (sequence <= d.low || d.above.has(sequence)) return false;
    if (sequence > d.high) d.high = sequence;
    if (sequence === d.low + 1) {
      d.low = sequence;
      while (d.above.delete(d.low + 1)) d.low++;
    } else {
      d.above.add(sequence);
      if (d.above.size > this.maxPending) this.compact(d);
    }
    return true;
  }

  /** The highest sequence seen in a dialog (0 when none): re-query history from here after a drop. */
  highest(dialogId: string): number {
    return this.dialogs.get(dialogId)?.high ?? 0;
  }

  /** Starts following a dialog with nothing seen yet, so it is re-queried after a drop. */
  follow(dialogId: string): void {
    if (!this.dialogs.has(dialogId)) this.dialogs.set(dialogId, { low: 0, high: 0, above: new Set() });
  }

  /** Forgets a dialog (it closed): its memory is released. */
  forget(dialogId: string): void {
    this.dialogs.delete(dialogId);
  }

  /** The dialogs being followed. */
  followed(): string[] {
    return [...this.dialogs.keys()];
  }

  /** How many sequences are held above the watermarks, over all dialogs (for memory checks). */
  get pending(): number {
    let n = 0;
    for (const d of this.dialogs.values()) n += d.above.size;
    return n;
  }

  private compact(d: { low: number; above: Set<number> }): void {
    const sorted = [...d.above].sort((a, b) => a - b);
    // Give up the oldest gaps: everything up to the oldest half of the held sequences counts as seen.
    const cut = sorted[Math.floor(sorted.length / 2)] ?? d.low;
    d.low = cut;
    for (const s of sorted) if (s <= cut) d.above.delete(s);
    while (d.above.delete(d.low + 1)) d.low++;
  }
}
