import { defer, EMPTY, expand, map, type Observable, reduce, retry, type SchedulerLike, type Subscription, throwError, timer } from 'rxjs';
import { RequestFailed, RequestTimeout, toAgentError, type AgentError } from '../domain/errors.js';
import { normalizeEventRecord } from '../domain/normalizeEventRecord.js';
import type { Identity, MessagingEvent } from '../domain/types.js';
import type { EventRecord } from '../protocol/index.js';

/** Pacing priorities: a dialog with live events waiting, then one a snapshot says changed, then publish lookups, then the rest. */
export const PRIORITY = { live: 3, urgent: 2, lookup: 1, normal: 0 } as const;

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
  /** Records per page (`false`: not following, pages of 100). */
  readonly follow?: { readonly pageSize: number } | false;
  /** One page of a dialog's history: records newer than `after`, at most `max`. */
  query(dialogId: string, after: number, max: number): Observable<readonly EventRecord[]>;
  /** Runs a task through the agent's pacer at a priority. */
  pace<T>(task$: Observable<T>, priority: number): Observable<T>;
  report(error: AgentError): void;
}

/** A failure worth trying again: no answer, or the server could not answer now. */
const transient = (e: unknown): boolean => e instanceof RequestTimeout || (e instanceof RequestFailed && (e.code >= 500 || e.code === 429));

/**
 * Every page of a dialog's history newer than `after`, as one array. Each page is paced; a page
 * that meets a transient failure (a timeout, 5xx) is reported and tried again with backoff. A closed
 * socket, or a failure that will not pass (another 4xx, a body that does not decode), ends it.
 *
 * @example
 * historyPages(source, dialogId, 0, PRIORITY.normal).subscribe((records) => deliver(records));
 */
export function historyPages(source: HistorySource, dialogId: string, after: number, priority: number, onStart?: () => void): Observable<EventRecord[]> {
  const pageSize = source.follow ? source.follow.pageSize : 100;
  const page = (from: number, left: number) => {
    const asked = Math.min(pageSize, left);
    const task$ = defer(() => {
      onStart?.();
      return source.query(dialogId, from, asked);
    });
    return source.pace(task$, priority).pipe(
      retry({
        delay: (e: unknown, n: number) => {
          if (!transient(e)) return throwError(() => e);
          source.report(toAgentError(e));
          return timer(Math.min(MAX_RETRY_WAIT, 1_000 * 2 ** (n - 1)), source.scheduler);
        },
      }),
      map((records) => ({ records, asked, left: left - records.length })),
    );
  };
  return page(after, Infinity).pipe(
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
