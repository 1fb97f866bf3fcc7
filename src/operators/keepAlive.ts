import { interval, map, type Observable, type SchedulerLike } from 'rxjs';
import type { CommandOf } from '../domain/index.js';

/** A GetClock command: the cheapest request, used as a keep-alive. */
export type GetClockCommand = CommandOf<'.GetClock'>;

/**
 * Emits a GetClock command every `period` ms.
 *
 * LivePerson closes idle sockets; a request every 30 s keeps the connection (and its
 * subscriptions) alive, and a missing answer shows the socket is dead. The agent already does this
 * on its own (`keepAlive` option); this is for pipelines that drive a connection themselves.
 *
 * ## Example
 * ```ts
 * import { merge } from 'rxjs';
 * import { acceptWaitingRings, keepAlive } from 'lp-agent-rx';
 *
 * agent.run(merge(agent.rings$.pipe(acceptWaitingRings()), keepAlive(30_000)));
 * ```
 *
 * @see {@link retryBackoff}
 *
 * @param period - Time between commands, in ms. Default 30 000 (LivePerson's guidance).
 * @param scheduler - Where the interval runs. Default rxjs's `asyncScheduler`.
 * @return An Observable of GetClock commands, the first after one `period`; it never completes.
 */
export function keepAlive(period = 30_000, scheduler?: SchedulerLike): Observable<GetClockCommand> {
  return interval(period, scheduler).pipe(map((): GetClockCommand => ({ type: '.GetClock', body: {} })));
}
