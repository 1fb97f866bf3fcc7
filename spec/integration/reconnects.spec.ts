import { asyncScheduler, firstValueFrom, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { createAgent, openNodeSocket, type SocketFactory } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { eventually } from '../support/eventually';
import { activeResources, next } from './helpers';

/** The agent's clock, counting the timers it has scheduled and not yet run or cancelled. */
function countingScheduler(): { scheduler: SchedulerLike; live: () => number } {
  let live = 0;
  const scheduler: SchedulerLike = {
    now: () => asyncScheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) {
      live++;
      let done = false;
      const finish = (): void => {
        if (!done) {
          done = true;
          live--;
        }
      };
      const sub = asyncScheduler.schedule<T>(function (this: SchedulerAction<T>, s?: T) {
        finish();
        work.call(this, s);
      }, delay, state);
      sub.add(finish);
      return sub;
    },
  };
  return { scheduler, live: () => live };
}

/** The Node socket factory, counting sockets not yet closed. */
function countingSockets(): { factory: SocketFactory; open: () => number } {
  let open = 0;
  return {
    open: () => open,
    factory: (url, handlers, options) => {
      open++;
      return openNodeSocket(url, { ...handlers, onClose: (code, reason) => { open--; handlers.onClose(code, reason); } }, options);
    },
  };
}

describe('many reconnects', () => {
  it('survives 1,000 drops with flat handle counts, one socket, and its subscriptions intact', async () => {
    const emulator = await startEmulator({ port: 0, seed: 5 });
    emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    const clock = countingScheduler();
    const sockets = countingSockets();
    // Keep-alive and the stable timer on, so every connection starts timers of its own.
    const agent = createAgent({
      ...emulator.issueToken('bot'),
      keepAlive: 60_000,
      stableAfter: 60_000,
      scheduler: clock.scheduler,
      socketFactory: sockets.factory,
      reconnect: { initialInterval: 1, ratio: 1, maxRetries: 1e6, jitter: 0 },
    });
    try {
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.subscribeRoutingTasks());
      await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
      let reference: Record<string, number> = {};
      let timersAt100 = 0;
      const timers: number[] = [];
      for (let i = 1; i <= 1_000; i++) {
        // connection$ replays the last 'open': wait for the drop first, then for the next 'open'.
        const dropped = next(agent.connection$, (s) => s.status === 'reconnecting', 5_000);
        emulator.dropConnections(i % 2 ? 1006 : 4000);
        await dropped;
        await next(agent.connection$, (s) => s.status === 'open', 5_000);
        if (i === 100) {
          reference = activeResources();
          timersAt100 = clock.live();
        }
        if (i % 100 === 0) timers.push(clock.live());
      }
      // Flat: 900 more reconnects add nothing (a leak would add one per reconnect; jest's own timers
      // jitter by one or two). The last closing handshake may still be finishing: poll, never sleep.
      const flat = (): boolean => ['TCPSocketWrap', 'Timeout'].every((kind) => (activeResources()[kind] ?? 0) <= (reference[kind] ?? 0) + 2);
      await eventually(flat, 'flat handle counts');
      expect(flat()).toBe(true);
      // The agent's own timers: the same handful after every reconnect (each connection's keep-alive
      // and stable timer end with it), never one more per reconnect.
      expect(timers.every((n) => n === timersAt100)).toBe(true);
      expect(timersAt100).toBeLessThanOrEqual(4);
      expect(sockets.open()).toBe(1);
      expect(emulator.connections('bot')).toBe(1);
      // Subscriptions and state were replayed every time: a new consumer still rings the agent.
      const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
      await emulator.consumer({ skillId: '-1' });
      await ring$;
    } finally {
      agent.dispose();
      await emulator.close();
    }
  }, 120_000);
});
