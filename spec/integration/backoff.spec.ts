import { firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createAgent, type ConnectionState } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { next } from './helpers';

/** Real sockets, virtual reconnect timers: time only moves when the spec says so. */
function virtualClock(): { scheduler: TestScheduler; advance(ms: number): void } {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  let now = 0;
  return {
    scheduler,
    advance(ms: number) {
      now += ms;
      scheduler.maxFrames = now;
      scheduler.flush();
      scheduler.frame = now;
    },
  };
}

describe('reconnect backoff in virtual time', () => {
  it('retries after 5 s, then x1.25 each time, one attempt at a time, and stops after maxRetries', async () => {
    const emulator = await startEmulator({ port: 0, seed: 9 });
    emulator.addAgent({ username: 'bot', password: 'pw' });
    const { scheduler, advance } = virtualClock();
    const agent = createAgent({ ...emulator.issueToken('bot'), keepAlive: 0, requestTimeout: 1e9, scheduler, reconnect: { jitter: 0, maxRetries: 3 } });
    const log: Array<[number, ConnectionState['status'], number | undefined]> = [];
    try {
      await firstValueFrom(agent.connect());
      agent.connection$.subscribe((s) => log.push([scheduler.now(), s.status, s.attempt]));

      const waiting = next(agent.connection$, (s) => s.status === 'reconnecting');
      await emulator.close(); // the server is gone: every attempt is refused
      await waiting;
      const scheduledAt = (n: number) => next(agent.connection$, () => log.filter(([, s]) => s === 'reconnecting').length >= n);

      // retry 1 is due at 5000: nothing before
      // Nothing can start before its timer is due: time moves only here, and no socket is open.
      advance(4_999);
      expect(log.length).toBe(2);
      advance(1);
      await scheduledAt(3); // attempt 1 starts, is refused, and schedules retry 2

      // retry 2 is due 6250 later: nothing before
      advance(6_249);
      expect(log.length).toBe(4);
      advance(1);
      await scheduledAt(5);
      advance(7_813); // retry 3; refused; maxRetries reached
      await next(agent.connection$, (s) => s.status === 'closed');

      // One attempt at a time: each starts only when its timer is due, and fails before the next is scheduled.
      expect(log).toEqual([
        [0, 'open', undefined],
        [0, 'reconnecting', 1], // retry 1 scheduled
        [5_000, 'reconnecting', 1], // attempt 1 starts
        [5_000, 'reconnecting', 2],
        [11_250, 'reconnecting', 2],
        [11_250, 'reconnecting', 3],
        [19_063, 'reconnecting', 3],
        [19_063, 'closed', undefined],
      ]);
    } finally {
      agent.dispose();
      await emulator.close();
    }
  });
});
