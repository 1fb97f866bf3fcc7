import { firstValueFrom, lastValueFrom, of, toArray, type Observable } from 'rxjs';
import { createAgent, type Agent, type AgentConfig, type Command } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { eventually } from '../support/eventually';
import { collect, next } from './helpers';

describe('agent against the emulator over a real socket', () => {
  let emulator: Emulator;
  const agents: Agent[] = [];
  const make = (config: AgentConfig): Agent => {
    const agent = createAgent({ keepAlive: 0, ...config });
    agents.push(agent);
    return agent;
  };

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) a.dispose();
    await emulator.close();
  });

  describe('connects with each credential kind', () => {
    const kinds: Array<[string, (e: Emulator) => AgentConfig]> = [
      ['username and password', (e) => ({ ...e.addAgent({ username: 'pw', password: 'pw-secret' }) })],
      ['OAuth1 keys', (e) => e.oauthCredentials('bot')],
      ['SAML assertion', (e) => e.assertionCredentials('bot')],
      ['a bearer token and userId', (e) => e.issueToken('bot')],
    ];
    it.each(kinds)('%s', async (_name, credentials) => {
      const config = credentials(emulator);
      const agent = make(config);
      await firstValueFrom(agent.connect());
      expect(await firstValueFrom(agent.connection$)).toEqual({ status: 'open' });
      const username = 'username' in config && config.username === 'pw' ? 'pw' : 'bot';
      expect(agent.identity?.legacyId).toBe(emulator.agentIdentity(username).legacyId);
      const clock = await firstValueFrom(agent.getClock());
      expect(typeof clock.currentTime).toBe('number');
    });
  });

  it('fails connect() with a fatal AuthFailed for a bad password, without echoing it', async () => {
    const agent = make({ accountId: emulator.accountId, csdsDomain: emulator.host, username: 'bot', password: 'wrong-PASSWORD-42' });
    const errors = collect(agent.errors$, 1);
    await expect(firstValueFrom(agent.connect())).rejects.toMatchObject({ kind: 'AuthFailed', fatal: true, status: 401 });
    const [error] = await errors;
    expect(JSON.stringify(error) + String(error)).not.toContain('wrong-PASSWORD-42');
    expect((await firstValueFrom(agent.connection$)).status).toBe('closed');
  });

  it('ends connect() with a typed error when the websocket host is unusable, and does not loop', async () => {
    const agent = make({ ...emulator.issueToken('bot'), domains: { facadeMsg: '127.0.0.1:99999' }, reconnect: { initialInterval: 10, maxRetries: 2 } });
    const errors: string[] = [];
    agent.errors$.subscribe((e) => errors.push(e.kind));
    await expect(firstValueFrom(agent.connect())).rejects.toHaveProperty('kind');
    expect(errors.length).toBeGreaterThan(0);
    expect((await firstValueFrom(agent.connection$)).status).toBe('closed');
  });

  it('runs a whole conversation: ring, accept, messages, receipts, typing, close', async () => {
    const creds = emulator.addAgent({ username: 'agent1', password: 'pw', skills: ['-1'] });
    const agent = make(creds);
    await firstValueFrom(agent.connect());
    const me = emulator.agentIdentity('agent1');

    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [me.legacyId] }));

    const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const ring = await ring$;
    expect(ring).toMatchObject({ convId: consumer.convId, consumerId: consumer.consumerId, skillId: '-1', changeType: 'UPSERT' });

    const joined$ = next(agent.conversations$, (c) => c.convId === consumer.convId && c.myRole === 'ASSIGNED_AGENT');
    await firstValueFrom(agent.updateRingState({ ringId: ring.ringId, ringState: 'ACCEPTED' }));
    const joined = await joined$;
    expect(joined.type).toBe('UPSERT');
    expect(joined.conversation.participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'CONSUMER', id: consumer.consumerId }),
        expect.objectContaining({ role: 'ASSIGNED_AGENT', id: me.userPid, legacyId: me.legacyId, state: 'ACTIVE' }),
      ]),
    );

    // The agent follows the conversation it joined: one round trip later its history query is answered.
    await firstValueFrom(agent.getClock());

    // consumer -> agent
    const hello$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && !m.isMe);
    const seq = await consumer.send('hello');
    const hello = await hello$;
    expect(hello).toMatchObject({ dialogId: consumer.convId, convId: consumer.convId, sequence: seq, originatorId: consumer.consumerId, isMe: false, source: 'live' });
    expect(hello.type === 'ContentEvent' && hello.event.contentType === 'text/plain' && hello.event.message).toBe('hello');

    // typing
    const typing$ = next(agent.chatState$, (c) => c.chatState === 'COMPOSING');
    await consumer.type('COMPOSING');
    expect(await typing$).toMatchObject({ dialogId: consumer.convId, isMe: false, sequence: 0 });

    // agent -> consumer, and the echo to the agent itself
    const echo$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && m.isMe);
    const seen$ = next(consumer.received$, (r) => r.event.type === 'ContentEvent');
    const published = await firstValueFrom(
      agent.publishEvent({ dialogId: consumer.convId, event: { type: 'ContentEvent', contentType: 'text/plain', message: 'hi there' } }),
    );
    expect(published.sequence).toBeGreaterThan(seq);
    expect((await seen$).event).toMatchObject({ message: 'hi there' });
    expect(await echo$).toMatchObject({ sequence: published.sequence, originatorId: me.userPid, isMe: true });

    // read receipts both ways
    const receipt$ = next(consumer.received$, (r) => r.event.type === 'AcceptStatusEvent');
    await firstValueFrom(
      agent.publishEvent({ dialogId: consumer.convId, event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [seq] } }),
    );
    expect((await receipt$).event).toEqual({ type: 'AcceptStatusEvent', status: 'READ', sequenceList: [seq] });
    const read$ = next(agent.messages$, (m) => m.type === 'AcceptStatusEvent' && !m.isMe);
    await consumer.read([published.sequence]);
    const read = await read$;
    expect(read.type === 'AcceptStatusEvent' && read.event.sequenceList).toEqual([published.sequence]);

    // history
    const history = await firstValueFrom(agent.queryMessages({ dialogId: consumer.convId, newerThanSequence: 0 }));
    expect(history.map((m) => m.sequence)).toEqual([...history.map((m) => m.sequence)].sort((a, b) => a - b));
    expect(history.filter((m) => m.type === 'ContentEvent').map((m) => m.type === 'ContentEvent' && m.event.message)).toEqual(['hello', 'hi there']);
    expect(history.every((m) => m.source === 'query')).toBe(true);

    // close
    const closed$ = next(agent.conversations$, (c) => c.convId === consumer.convId && (c.type === 'DELETE' || c.conversation.state === 'CLOSE'));
    await firstValueFrom(
      agent.updateConversationField({ conversationId: consumer.convId, conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] }),
    );
    await closed$;
    expect(emulator.conversation(consumer.convId)?.state).toBe('CLOSE');
  });

  it('delivers QueryMessages records on messages$ however the query is sent (run() or queryMessages())', async () => {
    const creds = emulator.addAgent({ username: 'q', password: 'pw', skills: ['-1'] });
    const agent = make(creds);
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
    const consumer = await emulator.consumer({ skillId: '-1' });
    await consumer.send('before the accept'); // not distributed to the agent: it is not a participant yet
    await firstValueFrom(agent.updateRingState({ ringId: (await ring$).ringId, ringState: 'ACCEPTED' }));

    const viaRun = next(agent.messages$, (m) => m.source === 'query');
    agent.run(of<Command>({ type: '.ams.ms.QueryMessages', body: { dialogId: consumer.convId, newerThanSequence: 0 } }));
    const m = await viaRun;
    expect(m.type === 'ContentEvent' && m.event.message).toBe('before the accept');
    // Asked again: handed back to the caller, but not delivered on messages$ a second time.
    const seen: unknown[] = [];
    agent.messages$.subscribe((e) => seen.push(e));
    const again = await firstValueFrom(agent.queryMessages({ dialogId: consumer.convId, newerThanSequence: 0 }));
    expect(again.map((e) => e.sequence)).toEqual([m.sequence]);
    expect(seen).toEqual([]);
  });

  it('unsubscribing one conversation subscription keeps the others replayed after a reconnect', async () => {
    const agent = make({ ...emulator.issueToken('bot'), reconnect: { initialInterval: 10, jitter: 0 } });
    await firstValueFrom(agent.connect());
    const open = await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'] }));
    await firstValueFrom(agent.subscribeExConversations({ convState: ['CLOSE'] }));
    await firstValueFrom(agent.unsubscribeExConversations({ subscriptionId: open.subscriptionId ?? '' }));
    const replayed = collect(emulator.requests$, 1, (r) => r.request.type === '.ams.aam.SubscribeExConversations');
    emulator.dropConnections(1006);
    expect((await replayed).map((r) => r.request.body)).toEqual([{ convState: ['CLOSE'] }]);
  });

  it('shares one socket between every stream and late subscribers', async () => {
    const agent = make(emulator.issueToken('bot'));
    agent.rings$.subscribe();
    await firstValueFrom(agent.connect());
    agent.messages$.subscribe();
    agent.conversations$.subscribe();
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.getClock());
    expect(emulator.connections('bot')).toBe(1);
  });

  it('fails a request with RequestTimeout when the server never answers it', async () => {
    const agent = make({ ...emulator.issueToken('bot'), requestTimeout: 150 });
    await firstValueFrom(agent.connect());
    emulator.faults.dropResponses('.GetClock');
    await expect(firstValueFrom(agent.getClock())).rejects.toMatchObject({ kind: 'RequestTimeout', requestType: '.GetClock' });
    emulator.faults.clear();
    await expect(firstValueFrom(agent.getClock())).resolves.toHaveProperty('currentTime');
  });

  it('fails pending requests with ConnectionClosed and the close code, not a timeout', async () => {
    const agent = make({ ...emulator.issueToken('bot'), requestTimeout: 60_000, reconnect: { initialInterval: 60_000 } });
    await firstValueFrom(agent.connect());
    emulator.faults.dropResponses('*');
    const pending = firstValueFrom(agent.getClock());
    await next(emulator.requests$, (r) => r.request.type === '.GetClock');
    emulator.dropConnections(4407);
    await expect(pending).rejects.toMatchObject({ kind: 'ConnectionClosed', code: 4407, requestType: '.GetClock' });
  });

  it('reports a malformed frame on errors$ and keeps delivering', async () => {
    const creds = emulator.addAgent({ username: 'agent2', password: 'pw', skills: ['-1'] });
    const agent = make(creds);
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
    const consumer = await emulator.consumer({ skillId: '-1' });
    await firstValueFrom(agent.updateRingState({ ringId: (await ring$).ringId, ringState: 'ACCEPTED' }));

    const errors = collect(agent.errors$, 3);
    emulator.injectFrame('{"kind":"notification","type":".ams.ms.OnlineEventDistribution","body":{"dialogId":1}}', { username: 'agent2' });
    emulator.injectFrame('{not json', { username: 'agent2' });
    emulator.injectFrame('{"kind":"teapot"}', { username: 'agent2' });
    const unknown$ = next(agent.notifications$, (n) => !n.known);
    emulator.injectFrame('{"kind":"notification","type":".ams.future.Thing","body":{"x":1}}', { username: 'agent2' });
    const message$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && !m.isMe);
    await consumer.send('still here');

    expect((await errors).map((e) => e.kind === 'DecodeError' && e.reason)).toEqual(['schema', 'json', 'envelope']);
    expect((await errors)[0]).toMatchObject({ path: 'body.dialogId', frameType: '.ams.ms.OnlineEventDistribution' });
    expect(await unknown$).toEqual({ kind: 'notification', known: false, type: '.ams.future.Thing', body: { x: 1 } });
    const m = await message$;
    expect(m.type === 'ContentEvent' && m.event.message).toBe('still here');
  });

  it('reconnects after a drop, logging in again after 4401, and replays subscriptions and agent state', async () => {
    const creds = emulator.addAgent({ username: 'agent3', password: 'pw', skills: ['-1'] });
    const agent = make({ ...creds, reconnect: { initialInterval: 20, jitter: 0 } });
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));

    const states: string[] = [];
    agent.connection$.subscribe((s) => states.push(s.status));
    const replayed = collect(emulator.requests$, 2, (r) => r.username === 'agent3' && /SetAgentState|SubscribeRoutingTasks/.test(r.request.type));
    // Every bearer becomes invalid and sockets close with 4401: only a fresh login can reconnect.
    const closed$ = next(agent.errors$, (e) => e.kind === 'ConnectionClosed');
    emulator.expireTokens();
    const closed = await closed$;
    expect(closed).toMatchObject({ code: 4401 });
    expect((await replayed).map((r) => r.request.type).sort()).toEqual(['.ams.routing.SetAgentState', '.ams.routing.SubscribeRoutingTasks']);
    await next(agent.connection$, (s) => s.status === 'open');
    expect(states).toEqual(expect.arrayContaining(['reconnecting', 'open']));

    // Still routed: a new consumer rings the agent on its new socket.
    const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
    const consumer = await emulator.consumer({ skillId: '-1' });
    expect((await ring$).convId).toBe(consumer.convId);
    expect(emulator.connections('agent3')).toBe(1);
  });

  it('dispose() completes every stream, fails pending requests and closes the socket', async () => {
    const agent = make(emulator.issueToken('bot'));
    await firstValueFrom(agent.connect());
    const all = (s: Observable<unknown>): Promise<unknown[]> => lastValueFrom(s.pipe(toArray()));
    const streams = [agent.rings$, agent.messages$, agent.conversations$, agent.chatState$, agent.agentState$, agent.errors$, agent.notifications$].map(all);
    emulator.faults.dropResponses('*');
    const pending = firstValueFrom(agent.getClock());
    await next(emulator.requests$, (r) => r.request.type === '.GetClock');
    agent.dispose();
    await expect(pending).rejects.toMatchObject({ kind: 'ConnectionClosed', code: 1000 });
    await expect(Promise.all(streams)).resolves.toHaveLength(7);
    await eventually(() => emulator.connections('bot') === 0, 'the socket closed');
    expect(emulator.connections('bot')).toBe(0);
  });
});

