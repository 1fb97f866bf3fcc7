import { defer, EMPTY, mergeMap, Observable, retry, Subject, switchMap, throwError, timer, type SchedulerLike } from 'rxjs';
import { RequestFailed } from '../domain/errors.js';

/**
 * How fast the agent may send what it sends on its own (catch-up, follow queries, replays).
 * Defaults stay well under the bursts LivePerson answers with 429.
 *
 * @example
 * createAgent({ ...creds, pacing: { concurrency: 2, perSecond: 5 } });
 */
export interface PacingOptions {
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Sustained requests per second (the token bucket's refill). Default 10. */
  perSecond?: number;
  /** Requests allowed in one burst (the bucket's size). Default 10. */
  burst?: number;
  /** First wait after a 429, in ms; it doubles per 429 of the same request, up to 30 s. Default 1 000. */
  rateLimitedWait?: number;
}

/**
 * A bounded queue with a token bucket: `schedule(task$)` runs `task$` once a slot and a token are
 * free. A task answered 429 (`RequestFailed` code 429) waits and runs again; that is not a failure.
 *
 * @example
 * const pacer = createPacer({ perSecond: 5 }, asyncScheduler);
 * pacer.schedule(defer(() => agent.queryMessages({ dialogId, newerThanSequence: 0 }))).subscribe();
 */
export interface Pacer {
  /** Cold: subscribing queues the task; unsubscribing while it waits takes it off the queue. */
  schedule<T>(task$: Observable<T>): Observable<T>;
  /** Tasks waiting for a slot or a token. */
  readonly backlog: number;
  /** Ends the queue; waiting tasks never run. */
  dispose(): void;
}

/**
 * Creates a {@link Pacer}.
 *
 * @example
 * const pacer = createPacer({ concurrency: 2, perSecond: 4, burst: 4 }, scheduler);
 *
 * @param options Concurrency, rate and burst.
 * @param scheduler Where the waits run (virtual time in specs).
 * @return A pacer.
 */
export function createPacer(options: PacingOptions, scheduler: SchedulerLike): Pacer {
  const { concurrency = 4, perSecond = 10, burst = 10, rateLimitedWait = 1_000 } = options;
  // Reservations: tokens may go negative; each reservation waits until its token has refilled.
  let tokens = burst;
  let updated = scheduler.now();
  const reserve = (): number => {
    const now = scheduler.now();
    tokens = Math.min(burst, tokens + ((now - updated) * perSecond) / 1_000);
    updated = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : Math.ceil((-tokens * 1_000) / perSecond);
  };

  interface Job {
    readonly run$: Observable<unknown>;
  }
  let backlog = 0;
  const queue = new Subject<Job>();
  const running = queue.pipe(mergeMap((job) => job.run$, concurrency)).subscribe();

  return {
    get backlog() {
      return backlog;
    },
    schedule<T>(task$: Observable<T>): Observable<T> {
      // With a token at hand the task starts in the same turn: a timer(0) would let requests sent
      // after it overtake it on the socket.
      const paced$ = defer(() => {
        const wait = reserve();
        return wait > 0 ? timer(wait, scheduler).pipe(switchMap(() => task$)) : task$;
      }).pipe(
        retry({
          delay: (e: unknown, n: number) =>
            e instanceof RequestFailed && e.code === 429 ? timer(Math.min(30_000, rateLimitedWait * 2 ** (n - 1)), scheduler) : throwError(() => e),
        }),
      );
      return new Observable<T>((subscriber) => {
        let cancelled = false;
        let waiting = true;
        backlog++;
        const started = (): void => {
          if (waiting) backlog--;
          waiting = false;
        };
        queue.next({
          run$: defer(() => {
            started();
            return cancelled ? EMPTY : new Observable<never>((slot) => {
              const sub = paced$.subscribe({
                next: (v) => subscriber.next(v),
                error: (e: unknown) => {
                  subscriber.error(e);
                  slot.complete();
                },
                complete: () => {
                  subscriber.complete();
                  slot.complete();
                },
              });
              // The caller leaving frees the slot too.
              subscriber.add(() => {
                sub.unsubscribe();
                slot.complete();
              });
              return sub;
            });
          }),
        });
        return () => {
          cancelled = true;
          started();
        };
      });
    },
    dispose() {
      running.unsubscribe();
      queue.complete();
    },
  };
}
