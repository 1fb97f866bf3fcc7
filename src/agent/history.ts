import { defer, EMPTY, expand, map, type Observable, reduce, retry, type SchedulerLike, type Subscription, throwError, timer } from 'rxjs';
import { ConnectionClosed, toAgentError, type AgentError } from '../domain/errors.js';
import { normalizeEventRecord } from '../domain/normalizeEventRecord.js';
import type { Identity, MessagingEvent } from '../domain/types.js';
import type { EventRecord } from '../protocol/index.js';

/** Pacing priorities: a dialog with live events waiting goes first, then publish lookups, then the rest. */
export const PRIORITY = { urgent: 2, lookup: 1, normal: 0 } as const;

/** The longest wait between two tries of a failed fetch, in ms. */
const MAX_RETRY_WAIT = 30_000;

/** One followed dialog's fetch in progress. */
export interface Fetch {
  subscription?: Subscription;
  readonly join: boolean;
  readonly priority: number;
  /** Its first page left the queue (re-queuing it at a higher priority would waste a request). */
  started: boolean;
}

/**
 * Where a dialog's history comes from: one page at a time, through the agent's pacer.
 *
 * @example
 * const source: HistorySource = { scheduler, query: (id, after, max) => page$, pace: (task$) => task$, report };
 */
export interface HistorySource {
  readonly scheduler: SchedulerLike;
  /** One page of a dialog's history: records newer than `after`, at most `max`. */
  query(dialogId: string, after: number, max: number): Observable<readonly EventRecord[]>;
  /** Runs a task through the agent's pacer at a priority. */
  pace<T>(task$: Observable<T>, priority: number): Observable<T>;
  report(error: AgentError): void;
}

/**
 * Every page of a dialog's history newer than `after`, up to `limit` records, as one array. Each
 * page is paced and retried with backoff on failure; only a closed socket ends it early.
 *
 * @example
 * historyPages(source, 100, dialogId, 0, Infinity, PRIORITY.normal).subscribe((records) => deliver(records));
 */
export function historyPages(
  source: HistorySource,
  pageSize: number,
  dialogId: string,
  after: number,
  limit: number,
  priority: number,
  onStart?: () => void,
): Observable<EventRecord[]> {
  const page = (from: number, left: number) => {
    const asked = Math.min(pageSize, left);
    const task$ = defer(() => {
      onStart?.();
      return source.query(dialogId, from, asked);
    });
    return source.pace(task$, priority).pipe(
      retry({
        delay: (e: unknown, n: number) => {
          if (e instanceof ConnectionClosed) return throwError(() => e);
          source.report(toAgentError(e));
          return timer(Math.min(MAX_RETRY_WAIT, 1_000 * 2 ** (n - 1)), source.scheduler);
        },
      }),
      map((records) => ({ records, asked, left: left - records.length })),
    );
  };
  return page(after, limit).pipe(
    expand((p) => (p.records.length < p.asked || p.left <= 0 ? EMPTY : page(highestOf(p.records), p.left))),
    reduce((all: EventRecord[], p) => all.concat(p.records), []),
  );
}

function highestOf(records: readonly EventRecord[]): number {
  let highest = 0;
  for (const r of records) highest = Math.max(highest, r.sequence ?? 0);
  return highest;
}

/** The newest `count` records written before `liveFrom` (by sequence), and every record from it on. */
export function newest(records: readonly EventRecord[], count: number, liveFrom = Infinity): readonly EventRecord[] {
  if (records.length <= count) return records;
  const before = records.filter((r) => (r.sequence ?? 0) < liveFrom).sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  const kept = new Set(before.slice(Math.max(0, before.length - count)));
  return records.filter((r) => (r.sequence ?? 0) >= liveFrom || kept.has(r));
}

/** History records as messaging events (chat states dropped); none before the agent knows who it is. */
export function normalizeHistory(records: readonly EventRecord[], identity: Identity | undefined, conversationOf: (dialogId: string) => string | undefined): MessagingEvent[] {
  const events: MessagingEvent[] = [];
  if (!identity) return events;
  for (const record of records) {
    const event = normalizeEventRecord(record, identity, 'query', conversationOf);
    if (event.type !== 'ChatStateEvent') events.push(event);
  }
  return events;
}
