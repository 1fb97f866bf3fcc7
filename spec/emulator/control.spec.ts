import { firstValueFrom } from 'rxjs';
import { acceptWaitingRings, createAgent, idsOf, type Agent } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { next } from '../integration/helpers';
import { eventually } from '../support/eventually';

describe('the emulator HTTP control API (/emulator/)', () => {
  let emulator: Emulator;
  let base: string;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 81 });
    base = `http://${emulator.host}/emulator`;
  });
  afterEach(() => emulator.close());

  const call = async (method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; body: Record<string, unknown> & unknown[] }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body !== undefined || raw !== undefined ? { body: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
  };

  /** An agent that accepts rings, so consumers get an answer path. */
  async function bot(): Promise<Agent> {
    const creds = (await call('POST', '/agents', { username: 'bot', password: 'pw', skills: ['-1'] })).body as unknown as Parameters<typeof createAgent>[0];
    const agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 } });
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    agent.run(agent.rings$.pipe(acceptWaitingRings()));
    return agent;
  }

  it('POST /agents adds an agent and answers its credentials; bad or duplicate input changes nothing', async () => {
    const added = await call('POST', '/agents', { username: 'bot', password: 'pw', skills: ['12'] });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ accountId: emulator.accountId, username: 'bot', password: 'pw', csdsDomain: emulator.host });
    expect((await call('POST', '/agents', { username: 'bot2' })).status).toBe(400);
    expect((await call('POST', '/agents', { username: 'bot2' })).body).toEqual({ error: { message: 'POST /emulator/agents: field "password" is missing or of the wrong type' } });
    expect((await call('POST', '/agents', undefined, '{oops')).status).toBe(400);
    expect((await call('POST', '/agents', { username: 'bot', password: 'x' })).status).toBe(409);
    const agents = (await call('GET', '/agents')).body;
    expect(agents).toEqual([expect.objectContaining({ username: 'bot', skills: ['12'], connections: 0 })]);
    expect(JSON.stringify(agents)).not.toContain('"pw"');
  });

  it('POST /consumers opens a conversation that rings; GET /conversations lists it with participants and dialogs', async () => {
    const agent = await bot();
    try {
      const opened = await call('POST', '/consumers', { skillId: '-1', firstName: 'Ada' });
      expect(opened.status).toBe(201);
      const convId = String(opened.body['convId']);
      await eventually(() => idsOf(emulator.conversation(convId)?.details.participants, 'ASSIGNED_AGENT')?.length === 1, 'the ring accepted');
      const list = (await call('GET', '/conversations')).body as unknown as Array<Record<string, unknown>>;
      expect(list).toEqual([expect.objectContaining({ convId, state: 'OPEN', skillId: '-1', consumerId: opened.body['consumerId'], dialogs: [expect.objectContaining({ dialogId: convId })] })]);
      expect((await call('GET', `/conversations/${convId}`)).body).toMatchObject({ convId, state: 'OPEN' });
      expect((await call('GET', '/conversations/nope')).status).toBe(404);
      expect((await call('POST', '/consumers', { skillId: 7 })).status).toBe(400);
      expect((await call('POST', '/consumers', { accountId: 'nope' })).status).toBe(400);
      expect(emulator.conversations()).toHaveLength(1);
    } finally {
      agent.dispose();
    }
  });

  it('the consumer writes text, quick replies and rich content, types, reads and closes; received (and its stream) shows the bot', async () => {
    const agent = await bot();
    try {
      const convId = String((await call('POST', '/consumers', {})).body['convId']);
      const hello$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && m.event.message === 'hello');
      const sent = await call('POST', `/consumers/${convId}/messages`, { text: 'hello' });
      expect(sent).toEqual({ status: 201, body: { sequence: expect.any(Number) } });
      await hello$;
      const clicked$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && m.event.message === 'Yes');
      expect((await call('POST', `/consumers/${convId}/messages`, { quickReply: { title: 'Yes' } })).status).toBe(201);
      await clicked$;
      expect((await call('POST', `/consumers/${convId}/messages`, { richContent: { type: 'vertical', elements: [{ type: 'text', text: 'card' }] } })).status).toBe(201);
      expect((await call('POST', `/consumers/${convId}/messages`, { words: 'hi' })).status).toBe(400);
      expect((await call('POST', `/consumers/nope/messages`, { text: 'hi' })).status).toBe(404);

      // What the bot says reaches GET /received and the SSE stream.
      const stream = await fetch(`${base}/consumers/${convId}/received/stream`);
      const reader = stream.body?.getReader();
      await firstValueFrom(agent.publishEvent({ dialogId: convId, event: { type: 'ContentEvent', contentType: 'text/plain', message: 'hi there' } }));
      let text = '';
      while (!text.includes('hi there')) text += new TextDecoder().decode((await reader?.read())?.value);
      await reader?.cancel();
      expect(text).toMatch(/^data: \{.*"hi there"/m);
      const received = (await call('GET', `/consumers/${convId}/received`)).body as unknown as Array<{ event: { message?: string } }>;
      expect(received.map((r) => r.event.message)).toContain('hi there');

      const typing$ = next(agent.chatState$, (c) => c.chatState === 'COMPOSING');
      expect((await call('POST', `/consumers/${convId}/chat-state`, { chatState: 'COMPOSING' })).status).toBe(200);
      await typing$;
      expect((await call('POST', `/consumers/${convId}/chat-state`, { chatState: 'SHOUTING' })).status).toBe(400);
      expect((await call('POST', `/consumers/${convId}/read`, { sequences: [Number(sent.body['sequence'])] })).status).toBe(201);
      expect((await call('POST', `/consumers/${convId}/read`, { sequences: 'all' })).status).toBe(400);
      expect((await call('POST', `/consumers/${convId}/close`)).status).toBe(200);
      expect(emulator.conversation(convId)?.state).toBe('CLOSE');
      expect((await call('POST', `/consumers/${convId}/close`)).status).toBe(409);
      expect((await call('GET', '/consumers/nope/received')).status).toBe(404);
      expect((await fetch(`${base}/consumers/nope/received/stream`)).status).toBe(404);
      expect((await call('POST', `/consumers/${convId}/messages`, { text: 'late' })).status).toBe(409);
    } finally {
      agent.dispose();
    }
  });

  it('faults: drop with a code, expire tokens, kick, rate limit and the rest; bad input is a 400 and injects nothing', async () => {
    const agent = await bot();
    try {
      const dropped = next(agent.connection$, (s) => s.status === 'reconnecting');
      expect((await call('POST', '/faults/drop', { code: 4000 })).status).toBe(200);
      expect((await dropped).code).toBe(4000);
      expect((await call('POST', '/faults/drop', { code: 'soon' })).status).toBe(400);
      expect((await call('POST', '/faults/drop', { code: 7 })).status).toBe(400);
      expect((await call('POST', '/faults/rate-limit', { perSecond: 0 })).status).toBe(400);
      expect((await call('POST', '/faults/random', { rate: 2 })).status).toBe(400);
      expect((await call('POST', '/faults/delay-responses', { type: '.GetClock' })).status).toBe(400);
      expect((await call('POST', '/faults/kick', { username: 'ghost' })).status).toBe(404);
      await next(agent.connection$, (s) => s.status === 'open');
      // nothing was injected by the refused calls: a round trip is answered at once
      await firstValueFrom(agent.getClock());
      for (const [path, body] of [
        ['/faults/login-rate-limited', { count: 'many' }],
        ['/faults/drop-responses', {}],
        ['/faults/reorder-events', { on: 'yes' }],
        ['/faults/refresh-unauthorized', { on: 1 }],
        ['/faults/kick', {}],
        ['/faults/clear', '{not json'],
      ] as const) {
        const raw = typeof body === 'string' ? body : undefined;
        expect([path, (await call('POST', path, raw ? undefined : body, raw)).status]).toEqual([path, 400]);
      }
      await firstValueFrom(agent.getClock());
      for (const [path, body] of [
        ['/faults/omit-last-content-event', undefined],
        ['/faults/rate-limit', { perSecond: 50 }],
        ['/faults/delay-responses', { type: '.GetClock', ms: 1 }],
        ['/faults/drop-responses', { type: '.ams.cm.AgentRequestConversation' }],
        ['/faults/reorder-events', {}],
        ['/faults/duplicate-events', undefined],
        ['/faults/refresh-unauthorized', { on: false }],
        ['/faults/login-rate-limited', { count: 0 }],
        ['/faults/random', { rate: 0 }],
        ['/faults/clear', undefined],
      ] as const) {
        expect([path, (await call('POST', path, body)).status]).toEqual([path, 200]);
      }
      const expired = next(agent.connection$, (s) => s.status === 'reconnecting' && s.code === 4401);
      expect((await call('POST', '/faults/expire-tokens')).status).toBe(200);
      await expired;
      await next(agent.connection$, (s) => s.status === 'open');
      const kicked = next(agent.errors$, (e) => e.kind === 'SessionTakenOver');
      expect((await call('POST', '/faults/kick', { username: 'bot' })).status).toBe(200);
      await kicked;
    } finally {
      agent.dispose();
    }
  });

  it('stop-answering silences the server: requests go unanswered', async () => {
    const agent = await bot();
    try {
      expect((await call('POST', '/faults/stop-answering')).status).toBe(200);
      await expect(firstValueFrom(agent.request('.GetClock', {}, { timeout: 200 }))).rejects.toMatchObject({ kind: 'RequestTimeout' });
    } finally {
      agent.dispose();
    }
  });

  it('frames: recorded on demand, filtered by agent and type; unknown routes and methods are told apart', async () => {
    expect((await call('POST', '/frames/record', { on: true })).status).toBe(200);
    const agent = await bot();
    try {
      await firstValueFrom(agent.getClock());
      const frames = (await call('GET', '/frames?username=bot&type=GetClock')).body as unknown as Array<{ direction: string; type: string }>;
      expect(frames.map((f) => [f.direction, f.type])).toEqual(expect.arrayContaining([['in', '.GetClock'], ['out', '.GetClock$Response']]));
      expect((await call('POST', '/frames/record', { on: 'yes' })).status).toBe(400);
      const stream = await fetch(`${base}/frames/stream`);
      const reader = stream.body?.getReader();
      await firstValueFrom(agent.getClock());
      let text = '';
      while (!text.includes('GetClock')) text += new TextDecoder().decode((await reader?.read())?.value);
      await reader?.cancel();
      expect(text).toMatch(/^data: \{.*"type":"\.GetClock"/m);
      expect((await call('GET', '/nothing')).status).toBe(404);
      expect((await call('DELETE', '/agents')).status).toBe(405);
      expect((await call('GET', '')).body['routes']).toEqual(expect.arrayContaining(['POST /emulator/consumers']));
    } finally {
      agent.dispose();
    }
  });
});
