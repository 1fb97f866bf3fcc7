import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * The engine's only source of time: timestamps, strictly increasing stamps and timers, all read
 * from one rxjs scheduler. With `asyncScheduler` it is wall-clock time; with a
 * `VirtualTimeScheduler` nothing happens until the test advances time, and a run replays exactly.
 *
 * @example
 * const clock = createClock(new VirtualTimeScheduler(), 1_700_000_000_000);
 * clock.tick() < clock.tick(); // true, even within one millisecond
 * const timer = clock.schedule(() => expire(ring), 72_000);
 * timer.unsubscribe();
 */
export interface Clock {
  /** Milliseconds since the epoch (for a virtual scheduler: `epoch` plus its frame). */
  now(): number;
  /** `now()`, but never the same value twice: for values clients compare or use as keys (`metaDataLastUpdateTs`, ring ids). */
  tick(): number;
  /** Runs `work` once, `delay` ms from now, on the scheduler; unsubscribing cancels it. */
  schedule(work: () => void, delay: number): Subscription;
}

/**
 * A clock on `scheduler` (default `asyncScheduler`, i.e. `Date.now` and real timers).
 *
 * @example
 * createClock();                                     // wall-clock time, real timers
 * createClock(virtual, Date.UTC(2024, 0, 1));         // virtual time that reads as 2024-01-01
 *
 * @param scheduler Where time is read and timers run.
 * @param epoch Added to `scheduler.now()`: virtual schedulers start at 0, which no real server timestamp is.
 */
export function createClock(scheduler: SchedulerLike = asyncScheduler, epoch = 0): Clock {
  let last = 0;
  const now = (): number => epoch + scheduler.now();
  return {
    now,
    tick: () => (last = Math.max(now(), last + 1)),
    schedule: (work, delay) => scheduler.schedule(work, Math.max(0, delay)),
  };
}
