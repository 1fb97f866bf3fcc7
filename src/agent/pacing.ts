import { Observable, timer, type SchedulerLike, type Subscription } from 'rxjs';
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
 * A task cancelled while it waits costs nothing: its slot and token go to the next task at once.
 *
 * @example
 * const pacer = createPacer({ perSecond: 5 }, asyncScheduler);
 * pacer.schedule(defer(() => agent.queryMessages({ dialogId, newerThanSequence: 0 }))).subscribe();
 */
export interface Pacer {
  /**
   * Cold: subscribing queues the task; unsubscribing while it waits takes it off the queue. Tasks of
   * a higher `priority` (default 0) start first; equal ones in the order they were queued.
   */
  schedule<T>(task$: Observable<T>, priority?: number): Observable<T>;
  /** Tasks waiting for a slot or a token. */
  readonly backlog: number;
  /** Tasks running now (holding a slot). */
  readonly running: number;
  /** Ends the queue; waiting tasks never run. */
  dispose(): void;
}

interface Job {
  readonly priority: number;
  start(): void;
}

/**
 * Creates a {@link Pacer}. Tokens are taken when a task starts, never reserved ahead, so a drop
 * that cancels a thousand queued tasks leaves the bucket as it was. One timer waits for the next
 * token, and only while a task waits for one.
 *
 * @example
 * const pacer = createPacer({ concurrency: 2, perSecond: 4, burst: 4 }, scheduler);
 *
 * @param options Concurrency, rate and burst.
 * @param scheduler Where the waits run (virtual time in specs).
 * @param loseSlots The simulator's `losePacerSlot` canary (a deliberate defect); never in production.
 * @return A pacer.
 */
export function createPacer(options: PacingOptions, scheduler: SchedulerLike, loseSlots = false): Pacer {
  const { concurrency = 4, perSecond = 10, burst = 10, rateLimitedWait = 1_000 } = options;
  let tokens = burst;
  let updated = scheduler.now();
  let active = 0;
  let disposed = false;
  /** Waiting jobs, highest priority first, then oldest first. */
  const queue: Job[] = [];
  let wake: Subscription | undefined;

  const refill = (): void => {
    const now = scheduler.now();
    tokens = Math.min(burst, tokens + ((now - updated) * perSecond) / 1_000);
    updated = now;
  };

  const pump = (): void => {
    if (disposed) return;
    refill();
    while (queue.length > 0 && active < concurrency && tokens >= 1) {
      const job = queue.shift() as Job;
      tokens -= 1;
      active++;
      job.start();
    }
    wake?.unsubscribe();
    wake = undefined;
    if (queue.length > 0 && active < concurrency) {
      wake = scheduler.schedule(pump, Math.max(1, Math.ceil(((1 - tokens) * 1_000) / perSecond)));
    }
  };

  const enqueue = (job: Job): void => {
    let i = queue.length;
    while (i > 0 && (queue[i - 1] as Job).priority < job.priority) i--;
    queue.splice(i, 0, job);
  };

  return {
    get backlog() {
      return queue.length;
    },
    get running() {
      return active;
    },
    schedule<T>(task$: Observable<T>, priority = 0): Observable<T> {
      return new Observable<T>((subscriber) => {
        if (disposed) return undefined;
        let holding = false;
        let inner: Subscription | undefined;
        let rateLimited = 0;
        const release = (): void => {
          if (!holding) return;
          holding = false;
          active--;
          pump();
        };
        const job: Job = {
          priority,
          start: () => {
            holding = true;
            inner = task$.subscribe({
              next: (v) => subscriber.next(v),
              error: (e: unknown) => {
                if (!loseSlots) release();
                if (!(e instanceof RequestFailed && e.code === 429)) return subscriber.error(e);
                // Answered 429: it waits outside the queue (its slot goes to others), then queues again.
                const wait = Math.min(30_000, rateLimitedWait * 2 ** rateLimited++);
                inner = timer(wait, scheduler).subscribe(() => {
                  enqueue(job);
                  pump();
                });
              },
              complete: () => {
                release();
                subscriber.complete();
              },
            });
          },
        };
        enqueue(job);
        pump();
        return () => {
          const i = queue.indexOf(job);
          if (i >= 0) queue.splice(i, 1);
          inner?.unsubscribe();
          // The simulator's 'losePacerSlot' canary: a task that fails or is cancelled keeps its slot.
          if (!loseSlots || !holding) release();
        };
      });
    },
    dispose() {
      disposed = true;
      queue.length = 0;
      wake?.unsubscribe();
      wake = undefined;
    },
  };
}
