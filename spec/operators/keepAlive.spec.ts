import { take } from 'rxjs';
import { keepAlive } from '../../src/operators/index.js';
import { testScheduler } from './helpers.js';

describe('keepAlive', () => {
  const getClock = { type: '.GetClock', body: {} };

  it('emits a GetClock command every period', () => {
    testScheduler().run(({ expectObservable }) => {
      const expected = '  30s g 29999ms g 29999ms (g|)';
      expectObservable(keepAlive().pipe(take(3))).toBe(expected, { g: getClock });
    });
  });

  it('runs on the given period and scheduler, and stops when unsubscribed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const unsub = '     ---------!';
      const expected = '  ---g--g--';
      expectObservable(keepAlive(3, scheduler), unsub).toBe(expected, { g: getClock });
    });
  });
});
