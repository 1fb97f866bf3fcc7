import { firstValueFrom, take, toArray } from 'rxjs';
import { createAgent } from '../../src/index';
import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import { goOnline, post, TestSocket } from './wsClient';

describe('emulator fault knobs', () => {
  let emulator: Emulator;

  const start = async (seed = 1): Promise<Emulator> => {
    emulator = await startEmulator({ port: 0, seed });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    return emulator;
  };
  const login = () => post(emulator, `/api/account/${emulator.accountId}/login?v=1.3`, { username: 'bot', password: 'secret' });
  /** A conversation `bot` accepted on this socket. */
  const assigned = async (bot: TestSocket): Promise<Consumer> => {
    await goOnline(bot, emulator, 'bot');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const ring = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.conversationId === consumer.convId);
    await bot.ok('.ams.routing.UpdateRingState', { ringId: ring.changes[0]?.result.ringsDetails[0]?.ringId, ringState: 'ACCEPTED' });
    return consumer;
  };

  afterEach(() => emulator.close());

  it('delayResponses holds a type’s responses back, after answers to later requests, until cleared', async () => {
    await start();
    const socket = await TestSocket.open(emulator, 'bot');
    emulator.faults.delayResponses('GetClock', 30);
    const order: string[] = [];
    const clock = socket.request('.GetClock').then(() => order.push('GetClock'));
    const keepAlive = socket.request('KeepAlive').then(() => order.push('KeepAlive'));
    await Promise.all([clock, keepAlive]);
    expect(order).toEqual(['KeepAlive', 'GetClock']);
    emulator.faults.clear();
    await expect(socket.request('.GetClock')).resolves.toMatchObject({ code: 200 });
  });

  it('refreshUnauthorized makes refresh answer 401 while on', async () => {
    await start();
    const { json, headers } = await login();
    const { csrf } = json as { csrf: string };
    const cookie = (headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const refresh = () => post(emulator, `/api/account/${emulator.accountId}/refresh`, { csrf }, { Cookie: cookie });
    emulator.faults.refreshUnauthorized(true);
    expect((await refresh()).status).toBe(401);
    emulator.faults.refreshUnauthorized(false);
    expect((await refresh()).status).toBe(200);
  });

  it('loginRateLimited answers the next N logins 429 with Retry-After, then logs in', async () => {
    await start();
    emulator.faults.loginRateLimited(2);
    const first = await login();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await login()).status).toBe(429);
    expect((await login()).status).toBe(200);
  });

  it('loginRateLimited reaches the agent as a retryable AuthFailed, then the agent logs in', async () => {
    await start();
    emulator.faults.loginRateLimited(1);
    const agent = createAgent({ keepAlive: 0, ...emulator.addAgent({ username: 'other', password: 'pw' }) });
    try {
      const error = firstValueFrom(agent.errors$);
      await firstValueFrom(agent.connect());
      expect(await error).toMatchObject({ kind: 'AuthFailed', fatal: false, status: 429 });
      expect(emulator.connections('other')).toBe(1);
    } finally {
      agent.dispose();
    }
  });

  it('reorderEvents swaps consecutive OnlineEventDistribution frames', async () => {
    await start();
    const bot = await TestSocket.open(emulator, 'bot');
    const consumer = await assigned(bot);
    emulator.faults.reorderEvents(true);
    await Promise.all([consumer.send('one'), consumer.send('two')]);
    const first = await bot.notification('.ams.ms.OnlineEventDistribution');
    const second = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect([first.sequence, second.sequence]).toEqual([2, 1]);
  });

  it('random faults replay identically for the same seed', async () => {
    const pattern = async (seed: number): Promise<boolean[]> => {
      await start(seed);
      emulator.faults.random({ rate: 0.5, kinds: ['dropResponse'] });
      const socket = await TestSocket.open(emulator, 'bot');
      const received = firstValueFrom(emulator.requests$.pipe(take(20), toArray()));
      for (let i = 0; i < 20; i++) socket.send(JSON.stringify({ kind: 'req', id: `k${i}`, type: 'KeepAlive', body: {} }));
      await received;
      emulator.faults.clear();
      await socket.sync();
      const answered = new Set(socket.frames.flatMap((f) => (f.kind === 'resp' ? [f.reqId] : [])));
      await emulator.close();
      return Array.from({ length: 20 }, (_, i) => answered.has(`k${i}`));
    };
    const a = await pattern(42);
    const b = await pattern(42);
    expect(a).toEqual(b);
    expect(a).toContain(true);
    expect(a).toContain(false);
  });

  it('random faults at rate 1 hit every request', async () => {
    await start();
    emulator.faults.random({ rate: 1, kinds: ['dropConnection'] });
    const socket = await TestSocket.open(emulator, 'bot');
    socket.send(JSON.stringify({ kind: 'req', id: 'x', type: 'KeepAlive', body: {} }));
    expect((await socket.closed).code).toBe(1006);
  });
});
