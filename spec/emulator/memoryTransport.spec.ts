import { firstValueFrom, type Subscription } from 'rxjs';
import { createAgent, type Agent, type MessagingEvent } from '../../src/index';
import { createMemoryEmulator, createVirtualTime, type MemoryEmulator, type WireEvent } from '../../src/emulator/index';

const textOf = (m: MessagingEvent): string | undefined => {
  const event: unknown = m.event;
  return typeof event === 'object' && event !== null && 'message' in event && typeof event.message === 'string' ? event.message : undefined;
};

/**
 * One scripted world: a real agent on the in-memory transport in virtual time joins a consumer's
 * conversation, the socket drops (1006) and the agent reconnects, the consumer writes before,
 * during and after. Returns the whole wire log and what reached `messages$`.
 */
async function world(seed: number): Promise<{ wire: WireEvent[]; delivered: string[]; states: string[]; emulator: MemoryEmulator }> {
  const time = createVirtualTime();
  const emulator = createMemoryEmulator({ seed, scheduler: time.scheduler });
  const wire: WireEvent[] = [];
  const subs: Subscription[] = [emulator.wire$.subscribe((e) => wire.push(e))];
  const agent: Agent = createAgent({
    ...emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] }),
    scheduler: time.scheduler,
    keepAlive: 0,
    reconnect: { initialInterval: 500, jitter: 0 },
  });
  const delivered: string[] = [];
  const states: string[] = [];
  subs.push(
    agent.messages$.subscribe((m) => delivered.push(textOf(m) ?? '?')),
    agent.connection$.subscribe((s) => states.push(s.status)),
  );
  // In virtual time nothing moves until the spec advances it: start, advance, then await.
  const settled = async <T>(promise: Promise<T>, ms = 100): Promise<T> => {
    await time.advance(ms);
    return promise;
  };

  await settled(firstValueFrom(agent.connect()));
  await settled(firstValueFrom(agent.subscribeRoutingTasks()));
  await settled(firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] })));
  await settled(firstValueFrom(agent.setAgentState({ availability: 'ONLINE' })));
  const ring = firstValueFrom(agent.rings$);
  const consumer = await emulator.consumer({ skillId: '-1' });
  await settled(firstValueFrom(agent.updateRingState({ ringId: (await settled(ring)).ringId, ringState: 'ACCEPTED' })));

  await consumer.send('before');
  await time.advance(100);
  emulator.dropConnections(1006);
  await time.advance(10);
  await consumer.send('during');
  await time.advance(5_000);
  await consumer.send('after');
  await time.advance(1_000);

  agent.dispose();
  await time.advance(100);
  await emulator.close();
  for (const s of subs) s.unsubscribe();
  return { wire, delivered, states, emulator };
}

describe('in-memory transport', () => {
  it('carries a real createAgent through login, a conversation, a 1006 drop and its reconnect, in virtual time', async () => {
    const { wire, delivered, states } = await world(7);
    expect(delivered).toEqual(['before', 'during', 'after']);
    expect(states).toEqual(expect.arrayContaining(['open', 'reconnecting']));
    const opens = wire.filter((e) => e.type === 'open');
    expect(opens).toHaveLength(2);
    expect(wire.find((e) => e.type === 'close' && e.by === 'server')).toMatchObject({ code: 1006 });
    expect(wire.filter((e) => e.type === 'http').map((e) => e.type === 'http' && e.path)).toEqual(
      expect.arrayContaining(['/api/account/12345678/service/baseURI.json', '/api/account/12345678/login']),
    );
  });

  it('replays byte for byte from the same seed, and differs with another', async () => {
    const first = JSON.stringify((await world(7)).wire);
    const second = JSON.stringify((await world(7)).wire);
    const other = JSON.stringify((await world(8)).wire);
    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('delivers every frame through the scheduler, never inside send()', () => {
    const time = createVirtualTime();
    const emulator = createMemoryEmulator({ seed: 1, scheduler: time.scheduler, latency: 3 });
    const { token, accountId } = emulator.issueToken(emulator.addAgent({ username: 'bot', password: 'pw' }).username);
    const heard: string[] = [];
    const socket = emulator.issueToken('bot').socketFactory(`wss://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${token}?v=2.1`, {
      onOpen: () => heard.push('open'),
      onMessage: (text) => heard.push(text),
      onClose: (code) => heard.push(`close ${code}`),
      onError: () => heard.push('error'),
      onPong: () => heard.push('pong'),
    });
    expect(heard).toEqual([]);
    time.scheduler.maxFrames = 3;
    time.scheduler.flush();
    expect(heard).toEqual(['open']);
    expect(socket.send('{"kind":"req","id":"1","type":"GetClock","body":{}}')).toBe(true);
    socket.ping();
    expect(heard).toEqual(['open']);
    time.scheduler.maxFrames = 9;
    time.scheduler.flush();
    expect(heard).toEqual(['open', expect.stringContaining('"reqId":"1"'), 'pong']);
  });

  it('answers pings but not when half-dead, and takes over a session with 4409', () => {
    const time = createVirtualTime();
    const emulator = createMemoryEmulator({ seed: 1, scheduler: time.scheduler });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const open = (heard: string[]) => {
      const { token, accountId } = emulator.issueToken('bot');
      return creds.socketFactory(`wss://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${token}`, {
        onOpen: () => heard.push('open'),
        onMessage: (text) => heard.push(text),
        onClose: (code) => heard.push(`close ${code}`),
        onError: () => heard.push('error'),
        onPong: () => heard.push('pong'),
      });
    };
    const first: string[] = [];
    const socket = open(first);
    time.scheduler.flush();
    emulator.faults.stopAnswering();
    socket.ping();
    time.scheduler.flush();
    expect(first).toEqual(['open']);
    const second: string[] = [];
    open(second);
    time.scheduler.flush();
    expect(first).toEqual(['open', 'close 4409']);
    expect(second).toEqual(['open']);
    expect(emulator.connections('bot')).toBe(1);
  });

  it('puts a one-shot fault on the next request of a type', () => {
    const time = createVirtualTime();
    const emulator = createMemoryEmulator({ seed: 1, scheduler: time.scheduler });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const { token, accountId } = emulator.issueToken('bot');
    const heard: string[] = [];
    const socket = creds.socketFactory(`wss://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${token}`, {
      onOpen: () => undefined,
      onMessage: (text) => heard.push(String((JSON.parse(text) as { code: number }).code)),
      onClose: (code) => heard.push(`close ${code}`),
      onError: () => undefined,
    });
    time.scheduler.flush();
    emulator.faults.failNext('GetClock', { kind: 'status', code: 503 });
    emulator.faults.failNext('GetClock', { kind: 'dropAfterEffect' });
    for (const id of ['1', '2', '3']) socket.send(`{"kind":"req","id":"${id}","type":"GetClock","body":{}}`);
    time.scheduler.flush();
    // The first is answered 503; the second takes effect and its socket drops; the third never arrives.
    expect(heard).toEqual(['503', 'close 1006']);
  });

  it('serves CSDS and login through fetch, refused and rate limited as the real server', async () => {
    const time = createVirtualTime();
    const emulator = createMemoryEmulator({ seed: 1, scheduler: time.scheduler });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const login = (password: string) =>
      creds.fetch(`https://${emulator.host}/api/account/${creds.accountId}/login?v=1.3`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'bot', password }),
      });
    emulator.faults.loginRateLimited();
    const limited = login('pw');
    await time.advance(2);
    expect((await limited).status).toBe(429);
    expect((await limited).headers.get('Retry-After')).toBe('1');
    const refused = login('wrong');
    const ok = login('pw');
    await time.advance(2);
    expect((await refused).status).toBe(401);
    const answer = await ok;
    expect(answer.status).toBe(200);
    expect(answer.headers.getSetCookie()[0]).toMatch(/^Session_id=/);
    expect(await answer.json()).toMatchObject({ bearer: expect.any(String), config: { serverCurrentTime: 1_700_000_000_000 + 3 } });
  });
});

describe('the engine and the wall clock', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('reads no global time and leaves no real timer: rings expire, delays and reorders run in virtual time', () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const dateNow = jest.spyOn(Date, 'now');
    const time = createVirtualTime();
    const emulator = createMemoryEmulator({ seed: 3, scheduler: time.scheduler, ringExpiration: 1_000 });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const { token, accountId } = emulator.issueToken('bot');
    const frames: string[] = [];
    const socket = creds.socketFactory(`wss://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${token}`, {
      onOpen: () => undefined,
      onMessage: (text) => frames.push(text),
      onClose: () => undefined,
      onError: () => undefined,
    });
    time.scheduler.flush();
    emulator.faults.delayResponses('*', 50);
    emulator.faults.reorderEvents();
    emulator.faults.rateLimit({ perSecond: 100 });
    socket.send('{"kind":"req","id":"1","type":".ams.routing.SubscribeRoutingTasks","body":{}}');
    socket.send('{"kind":"req","id":"2","type":".ams.routing.SetAgentState","body":{"availability":"ONLINE"}}');
    void emulator.consumer({ skillId: '-1' });
    // An expired ring is offered again for as long as the conversation waits: run 1.5 s of it.
    time.scheduler.maxFrames = 1_500;
    time.scheduler.flush();
    expect(frames.join('\n')).toContain('"ringState":"EXPIRED"');
    expect(time.now()).toBeGreaterThanOrEqual(1_000);
    expect(dateNow).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
