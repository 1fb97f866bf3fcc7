import fc from 'fast-check';
import { defer, EMPTY, type Observable } from 'rxjs';
import { backoffDelay, DEFAULT_RETRY_BACKOFF, retryBackoff } from '../../src/operators/index.js';
import { testScheduler } from './helpers.js';

/** Each subscription gets the next source: the first attempt, the first retry, ... */
const inTurn = <T>(...sources: Observable<T>[]): Observable<T> => {
  let attempt = 0;
  return defer(() => sources[attempt++] ?? EMPTY);
};

describe('retryBackoff', () => {
  it('mirrors a source that does not fail', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('  -a-b-|');
      const subs = '         ^----!';
      const expected = '     -a-b-|';
      expectObservable(source.pipe(retryBackoff())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('resubscribes after initialInterval, then after each delay ×ratio, then lets the error through', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('  -a#');
      const subs = [
        '                    ^-!',
        '                    5002ms ^-!',
        '                    11254ms ^-!',
      ];
      const expected = '     -a- 5000ms a- 6250ms a#';
      expectObservable(source.pipe(retryBackoff({ maxRetries: 2 }))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('takes a number as the initial interval', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = [cold('#'), cold('#'), cold('#')];
      const healthy = cold('  (a|)');
      const expected = '      3813ms (a|)';
      // 1 000, then ×1.25 = 1 250, then 1 563 (rounded).
      expectObservable(inTurn(...failing, healthy).pipe(retryBackoff(1_000))).toBe(expected);
      ['(^!)', '1000ms (^!)', '2250ms (^!)'].forEach((subs, i) => expectSubscriptions(failing[i]?.subscriptions ?? []).toBe(subs));
      expectSubscriptions(healthy.subscriptions).toBe('3813ms (^!)');
    });
  });

  it('follows LivePerson: 5 s first, ×1.25 each, capped at 2 min, 35 retries', () => {
    const delays = Array.from({ length: 35 }, (_, i) => backoffDelay(i + 1, DEFAULT_RETRY_BACKOFF));
    expect(delays.slice(0, 4)).toEqual([5000, 6250, 7813, 9766]);
    expect(delays.at(-1)).toBe(120_000);
    const total = delays.reduce((a, b) => a + b, 0);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#');
      const subscribedAt = delays.reduce((at, delay) => [...at, (at.at(-1) ?? 0) + delay], [0]);
      expectObservable(source.pipe(retryBackoff())).toBe(`${total}ms #`);
      expectSubscriptions(source.subscriptions).toBe(subscribedAt.map((frame) => `${frame}ms (^!)`));
    });
  });

  it('caps each delay at maxInterval', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('  #');
      const expected = '     300ms #';
      expectObservable(source.pipe(retryBackoff({ initialInterval: 100, ratio: 10, maxInterval: 100, maxRetries: 3 }))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '100ms (^!)', '200ms (^!)', '300ms (^!)']);
    });
  });

  it('lets an error through at once when shouldRetry says no', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('  -a-#', undefined, 'fatal');
      const subs = '         ^--!';
      const expected = '     -a-#';
      expectObservable(source.pipe(retryBackoff({ shouldRetry: (e) => e !== 'fatal' }))).toBe(expected, undefined, 'fatal');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('restarts from initialInterval after a value when resetOnSuccess is set', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('   -#');
      const healthy = cold(' -a#');
      const third = cold('   -#');
      const fourth = cold('  -#');
      // Delays 10, then 10 again (the value reset the count), then 20; the third error goes through.
      const expected = '     12ms a 32ms #';
      const retried$ = inTurn(first, healthy, third, fourth).pipe(retryBackoff({ initialInterval: 10, ratio: 2, maxRetries: 2, resetOnSuccess: true }));
      expectObservable(retried$).toBe(expected);
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(healthy.subscriptions).toBe('11ms ^-!');
      expectSubscriptions(third.subscriptions).toBe('23ms ^!');
      expectSubscriptions(fourth.subscriptions).toBe('44ms ^!');
    });
  });

  it('spreads delays by ±jitter with the given randomness', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('  #');
      // random 0 → the low end: 1 000 × (1 − 0.5) = 500, then 1 250 × 0.5 = 625.
      const expected = '     1125ms #';
      expectObservable(source.pipe(retryBackoff({ initialInterval: 1_000, maxRetries: 2, jitter: 0.5, random: () => 0 }))).toBe(expected);
    });
  });
});

describe('backoffDelay', () => {
  it('stays within ±jitter of the capped nominal delay, never negative', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialInterval, ratio, maxInterval, jitter, draw) => {
          const nominal = Math.min(maxInterval, initialInterval * ratio ** (attempt - 1));
          const delay = backoffDelay(attempt, { initialInterval, ratio, maxInterval, jitter }, () => draw);
          return delay >= 0 && delay >= Math.floor(nominal * (1 - jitter)) && delay <= Math.ceil(nominal * (1 + jitter));
        },
      ),
    );
  });

  it('draws no randomness without jitter', () => {
    const random = jest.fn(() => 0.5);
    expect(backoffDelay(2, { ...DEFAULT_RETRY_BACKOFF }, random)).toBe(6250);
    expect(random).not.toHaveBeenCalled();
  });
});
