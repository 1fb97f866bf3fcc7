import { defer, filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { ChatStateChange, MessagingEvent } from '../domain/index.js';

export interface DedupeMessagesConfig {
  /**
   * Gaps remembered per dialog between sequences seen out of order. When a dialog has more, its
   * lowest gap is treated as seen (a sequence from it arriving later is dropped as a duplicate);
   * the gap below the lowest sequence seen is never filled, so a history replay after live
   * messages still gets through. Default 32.
   */
  maxGaps?: number;
  /**
   * Dialogs remembered; beyond that the least recently active one is forgotten, and a replay of it
   * would be delivered again. Default 10 000.
   */
  maxDialogs?: number;
}

/** A run of sequences seen, `lo..hi` inclusive. */
interface Run {
  lo: number;
  hi: number;
}

/**
 * Records `sequence` in a dialog's sorted runs; false when it was already there. The first run
 * ends at the dialog's watermark (the highest sequence below which nothing is missing); the
 * others hold what arrived out of order and merge into it as the gaps fill.
 */
function record(runs: Run[], sequence: number, maxGaps: number): boolean {
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
  if (first && second && runs.length > maxGaps + 1) {
    first.hi = second.hi;
    runs.splice(1, 1);
  }
  return true;
}

const isSequenced = (event: MessagingEvent | ChatStateChange): boolean =>
  event.type !== 'ChatStateEvent' && Number.isInteger(event.sequence) && event.sequence > 0;

/**
 * Drops messaging events already delivered: the same (dialogId, sequence) a second time.
 *
 * A message can arrive more than once: live and again in a QueryMessages replay after a
 * reconnect, or twice across overlapping queries. Memory stays O(dialogs): per dialog, a
 * watermark (nothing missing below it) and the few runs of sequences seen above it out of order,
 * merged away as the gaps fill. Chat states and unsequenced events (sequence 0) pass untouched.
 *
 * ## Example
 * ```ts
 * import { dedupeMessages, ofEventType } from 'lp-agent-rx';
 *
 * agent.messages$.pipe(dedupeMessages(), ofEventType('ContentEvent')).subscribe((m) => console.log(m.sequence));
 * ```
 *
 * @see {@link markAsRead}
 * @see {@link dedupeConversations}
 *
 * @param config - Memory bounds; see {@link DedupeMessagesConfig}.
 * @return A function that returns an Observable of the first occurrence of each (dialogId,
 * sequence), and of every unsequenced event.
 */
export function dedupeMessages<T extends MessagingEvent | ChatStateChange>(config: DedupeMessagesConfig = {}): MonoTypeOperatorFunction<T> {
  const { maxGaps = 32, maxDialogs = 10_000 } = config;

  return (events$) =>
    defer(() => {
      // Insertion order is recency: a dialog is moved to the end on every event.
      const dialogs = new Map<string, Run[]>();
      return events$.pipe(
        filter((event) => {
          if (!isSequenced(event)) return true;
          const runs = dialogs.get(event.dialogId) ?? [];
          dialogs.delete(event.dialogId);
          dialogs.set(event.dialogId, runs);
          if (dialogs.size > maxDialogs) {
            const [oldest] = dialogs.keys();
            if (oldest !== undefined) dialogs.delete(oldest);
          }
          return record(runs, event.sequence, maxGaps);
        }),
      );
    });
}
