import { firstValueFrom } from 'rxjs';
import type { AgentError, ConnectionState } from '../../src/index';
import { connected, setup } from './fakeServer';

describe('the lifecycle state machine, in virtual time', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('runs connecting → open → reconnecting(attempt, code) → open, starts the count over once stable, and ends when attempts run out', async () => {
    const t = setup({ stableAfter: 5_000, reconnect: { initialInterval: 1_000, ratio: 1.25, maxRetries: 2, jitter: 0 } });
    cleanups.push(t.dispose);
    const { clock, server, agent, states } = t;
    const seen = (): ConnectionState[] => states.map(([, s]) => s);

    await connected(agent, clock.advance);
    expect(seen()).toEqual([{ status: 'closed' }, { status: 'connecting', attempt: 1 }, { status: 'open' }]);
    // Remembered, so every reconnect replays it before it counts as open.
    const subscribed = firstValueFrom(agent.subscribeRoutingTasks());
    await clock.advance(5);
    await subscribed;

    // open → reconnecting (attempt 1, the close code) → after 1 000 ms the attempt starts → open.
    server.current?.serverClose(1006);
    expect(seen().slice(3)).toEqual([{ status: 'reconnecting', attempt: 1, code: 1006 }]);
    await clock.advance(999);
    expect(server.sockets).toHaveLength(1);
    await clock.advance(10);
    expect(seen().slice(3)).toEqual([{ status: 'reconnecting', attempt: 1, code: 1006 }, { status: 'reconnecting', attempt: 1, code: 1006 }, { status: 'open' }]);

    // Stable for 5 s: the next drop is attempt 1 again, not 2.
    await clock.advance(5_000);
    server.current?.serverClose(1001);
    expect(seen().slice(6)).toEqual([{ status: 'reconnecting', attempt: 1, code: 1001 }]);

    // A server that accepts, never answers the replay, and drops: attempt 2 waits 1 250 ms, then the run ends (maxRetries 2).
    server.held.add('*');
    server.afterOpen = (socket) => server.later(() => socket.serverClose(1006));
    const outcome = firstValueFrom(agent.connect()).then(
      () => 'open',
      (e: AgentError) => e,
    );
    await clock.advance(1_000 + 10);
    expect(seen().slice(7)).toEqual([{ status: 'reconnecting', attempt: 1, code: 1001 }, { status: 'reconnecting', attempt: 2, code: 1006 }]);
    await clock.advance(1_250 + 10);
    expect(seen().slice(9)).toEqual([{ status: 'reconnecting', attempt: 2, code: 1006 }, { status: 'closed', code: 1006 }]);
    await expect(outcome).resolves.toMatchObject({ kind: 'ConnectionClosed', code: 1006, message: expect.stringContaining('reconnect attempts exhausted') });
    expect(agent.stats()).toMatchObject({ status: 'closed', reconnects: 3 });

    // ended (not fatal) → connect() starts a new run, which says `reconnecting` since it was open before.
    server.afterOpen = undefined;
    server.held.clear();
    await connected(agent, clock.advance);
    expect(seen().slice(11)).toEqual([{ status: 'reconnecting', attempt: 1 }, { status: 'open' }]);

    // disposed: connect() fails with ConnectionClosed(1000).
    agent.dispose();
    await expect(firstValueFrom(agent.connect())).rejects.toMatchObject({ kind: 'ConnectionClosed', code: 1000 });
  });
});
