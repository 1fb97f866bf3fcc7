import { firstValueFrom } from 'rxjs';
import { createAgent } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { activeResources, next } from './helpers';

describe('many reconnects', () => {
  it('survives 1,000 drops with flat handle counts, one socket, and its subscriptions intact', async () => {
    const emulator = await startEmulator({ port: 0, seed: 5 });
    emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    const agent = createAgent({ ...emulator.issueToken('bot'), keepAlive: 0, stableAfter: 0, reconnect: { initialInterval: 1, ratio: 1, maxRetries: 1e6, jitter: 0 } });
    try {
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.subscribeRoutingTasks());
      await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
      let reference: Record<string, number> = {};
      for (let i = 1; i <= 1_000; i++) {
        // connection$ replays the last 'open': wait for the drop first, then for the next 'open'.
        const dropped = next(agent.connection$, (s) => s.status === 'reconnecting', 5_000);
        emulator.dropConnections(i % 2 ? 1006 : 4000);
        await dropped;
        await next(agent.connection$, (s) => s.status === 'open', 5_000);
        if (i === 100) reference = activeResources();
      }
      await new Promise((r) => setTimeout(r, 20));
      const now = activeResources();
      // Flat: 900 more reconnects add nothing (a leak would add one per reconnect; jest's own timers jitter by one or two).
      for (const kind of ['TCPSocketWrap', 'Timeout']) {
        expect({ kind, n: now[kind] ?? 0 }).toEqual({ kind, n: expect.any(Number) });
        expect(now[kind] ?? 0).toBeLessThanOrEqual((reference[kind] ?? 0) + 2);
      }
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
