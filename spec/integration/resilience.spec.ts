import { firstValueFrom } from 'rxjs';
import { createAgent, type Agent, type AgentConfig, type MessagingEvent } from '../../src/index';
import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import { collect, next } from './helpers';

/** Counts the agent's login calls by wrapping its fetch. */
function countingFetch(): { fetch: typeof fetch; logins: () => number } {
  let logins = 0;
  return {
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('/login')) logins++;
      return fetch(input, init);
    },
    logins: () => logins,
  };
}

const texts = (events: MessagingEvent[]): string[] =>
  events.flatMap((m) => (m.type === 'ContentEvent' && typeof m.event.message === 'string' ? [m.event.message] : []));

describe('resilience against the emulator', () => {
  let emulator: Emulator;
  const agents: Agent[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 11 });
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) a.dispose();
    await emulator.close();
  });

  /** An agent that is ONLINE, subscribed, and the assigned agent of a fresh conversation. */
  async function inConversation(config: Partial<AgentConfig> = {}): Promise<{ agent: Agent; consumer: Consumer; logins: () => number; username: string }> {
    const username = `bot${agents.length}`;
    const creds = emulator.addAgent({ username, password: 'pw', skills: ['-1'] });
    const counting = countingFetch();
    const agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 }, fetch: counting.fetch, ...config });
    agents.push(agent);
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const joined$ = next(agent.conversations$, (c) => c.convId === consumer.convId && c.myRole === 'ASSIGNED_AGENT');
    await firstValueFrom(agent.updateRingState({ ringId: (await ring$).ringId, ringState: 'ACCEPTED' }));
    await joined$;
    return { agent, consumer, logins: counting.logins, username };
  }

  /** Drops the agent's socket with `code`, lets the consumer write while it is down, and checks what arrives. */
  async function outage(code: number): Promise<{ delivered: string[]; logins: number; states: string[] }> {
    const { agent, consumer, logins } = await inConversation({ reconnect: { initialInterval: 150, jitter: 0 } });
    const before = logins();
    const states: string[] = [];
    agent.connection$.subscribe((s) => states.push(s.status));
    const delivered: MessagingEvent[] = [];
    agent.messages$.subscribe((m) => delivered.push(m));

    await consumer.send('before');
    await next(agent.messages$, (m) => m.sequence > 0 && texts([m])[0] === 'before');
    const down = next(agent.connection$, (s) => s.status === 'reconnecting');
    emulator.dropConnections(code);
    await down;
    await consumer.send('during 1');
    await consumer.send('during 2');
    await next(agent.connection$, (s) => s.status === 'open');
    const after$ = next(agent.messages$, (m) => texts([m])[0] === 'after');
    await consumer.send('after');
    await after$;
    // Replayed state: still subscribed and ONLINE, so a new consumer rings the agent.
    const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
    await emulator.consumer({ skillId: '-1' });
    await ring$;
    return { delivered: texts(delivered), logins: logins() - before, states };
  }

  it.each([1006, 1000, 4000])('close %i: reconnects with the same token and delivers the outage messages exactly once', async (code) => {
    const { delivered, logins, states } = await outage(code);
    expect(delivered).toEqual(['before', 'during 1', 'during 2', 'after']);
    expect(logins).toBe(0);
    expect(states).toEqual(expect.arrayContaining(['reconnecting', 'open']));
  });

  it.each([4401, 4407, 1011])('close %i: logs in again, then delivers the outage messages exactly once', async (code) => {
    const { delivered, logins } = await outage(code);
    expect(delivered).toEqual(['before', 'during 1', 'during 2', 'after']);
    expect(logins).toBe(1);
  });

  it('expired tokens: logs in again and loses nothing', async () => {
    const { agent, consumer, logins } = await inConversation();
    const before = logins();
    const got = collect(agent.messages$, 2, (m) => m.type === 'ContentEvent' && !m.isMe);
    const down = next(agent.connection$, (s) => s.status === 'reconnecting');
    emulator.expireTokens();
    await down;
    await consumer.send('one');
    await consumer.send('two');
    expect(texts(await got)).toEqual(['one', 'two']);
    expect(logins() - before).toBe(1);
  });

  it('delivers each message once when the server duplicates and reorders frames', async () => {
    const { agent, consumer } = await inConversation();
    emulator.faults.duplicateEvents();
    emulator.faults.reorderEvents(true);
    const delivered: MessagingEvent[] = [];
    agent.messages$.subscribe((m) => delivered.push(m));
    for (const t of ['a', 'b', 'c', 'd']) await consumer.send(t);
    await next(agent.messages$, () => delivered.length >= 4);
    // Let any duplicate still in flight arrive before counting.
    await firstValueFrom(agent.getClock());
    expect(texts(delivered).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('replaces a socket whose server stops answering keep-alives', async () => {
    const { agent, consumer, username } = await inConversation({ keepAlive: 100, requestTimeout: 150 });
    emulator.faults.dropResponses('.GetClock');
    const down = next(agent.connection$, (s) => s.status === 'reconnecting', 5_000);
    expect(await down).toMatchObject({ status: 'reconnecting', code: 1006 });
    emulator.faults.clear();
    await next(agent.connection$, (s) => s.status === 'open');
    const m$ = next(agent.messages$, (m) => texts([m])[0] === 'alive');
    await consumer.send('alive');
    await m$;
    expect(emulator.connections(username)).toBe(1);
  });

  it('terminates and replaces a socket whose server stops answering pings and requests', async () => {
    const { agent, consumer, username } = await inConversation({ keepAlive: 100, requestTimeout: 60_000 });
    const down = next(agent.connection$, (s) => s.status === 'reconnecting', 5_000);
    emulator.faults.stopAnswering(); // no pong, no GetClock answer: only the missing pong can tell
    expect(await down).toMatchObject({ code: 1006 });
    emulator.faults.clear();
    await next(agent.connection$, (s) => s.status === 'open');
    const m$ = next(agent.messages$, (m) => texts([m])[0] === 'back');
    await consumer.send('back');
    await m$;
    expect(emulator.connections(username)).toBe(1);
  });

  it('logs in again when a session refresh is refused, and keeps delivering', async () => {
    const { agent, consumer, logins } = await inConversation({ refreshInterval: 50 });
    const before = logins();
    const refused$ = next(agent.errors$, (e) => e.kind === 'AuthFailed' && e.stage === 'refresh');
    emulator.faults.refreshUnauthorized(true);
    expect(await refused$).toMatchObject({ fatal: false, status: 401 });
    emulator.faults.refreshUnauthorized(false);
    await next(agent.connection$, (s) => s.status === 'open' && logins() > before);
    const m$ = next(agent.messages$, (m) => texts([m])[0] === 'renewed');
    await consumer.send('renewed');
    await m$;
    expect(logins() - before).toBeGreaterThanOrEqual(1);
  });

  it('gives up bad credentials at once instead of looping', async () => {
    emulator.addAgent({ username: 'x', password: 'right' });
    const agent = createAgent({ accountId: emulator.accountId, csdsDomain: emulator.host, username: 'x', password: 'wrong', reconnect: { initialInterval: 1 } });
    agents.push(agent);
    const errors: string[] = [];
    agent.errors$.subscribe((e) => errors.push(e.kind));
    await expect(firstValueFrom(agent.connect())).rejects.toMatchObject({ kind: 'AuthFailed', fatal: true });
    expect(errors).toEqual(['AuthFailed']);
    await expect(firstValueFrom(agent.connect())).rejects.toMatchObject({ kind: 'AuthFailed', fatal: true });
  });

  it('waits out a 429 on login (Retry-After) and then connects', async () => {
    const creds = emulator.addAgent({ username: 'limited', password: 'pw' });
    emulator.faults.loginRateLimited(1);
    const agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 } });
    agents.push(agent);
    const error$ = next(agent.errors$, (e) => e.kind === 'AuthFailed');
    await firstValueFrom(agent.connect());
    expect(await error$).toMatchObject({ kind: 'AuthFailed', fatal: false, status: 429 });
  });
});
