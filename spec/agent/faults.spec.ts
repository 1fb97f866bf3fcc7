import { firstValueFrom } from 'rxjs';
import { createAgent, sendText, type AgentError } from '../../src/index';
import { aConversationChange, conversationFrame, seedIds } from '../../src/testing/index';
import { agentsDisposedAfterEach, connected, FakeServer, passwordConfig, tokenConfig, virtualTime } from './fakeServer';

/**
 * Faults at unlucky moments (issue #21): each spec failed on main 38d50c9 before its fix.
 */
describe('the agent under faults at unlucky moments, in virtual time', () => {
  const { make, cleanups } = agentsDisposedAfterEach();
  const fast = { stableAfter: 0, reconnect: { initialInterval: 10, jitter: 0 } } as const;

  it('starts catching up at once after a drop that cancelled pending joins, and a dialog with a live message goes first', async () => {
    const { clock, server, agent, messages } = make(fast);
    await connected(agent, clock.advance);
    const changes = Array.from({ length: 300 }, (_, i) => aConversationChange({ convId: `conv-${i}` }));
    server.current?.push(conversationFrame(changes));
    await clock.advance(3_000); // about 40 of the 300 joins are done
    const before = server.requests('.ams.ms.QueryMessages').length;
    expect(before).toBeLessThan(100);

    server.current?.serverClose(1006);
    await clock.advance(20); // reconnected
    const reconnectedAt = clock.now();
    await clock.advance(1_000);
    expect(server.requests('.ams.ms.QueryMessages').length - before).toBeGreaterThanOrEqual(10);

    // Consumers write in three conversations 1 s after the reconnect: each reaches messages$ within 5 s.
    const written = ['conv-5', 'conv-150', 'conv-299'].map((dialogId) => server.store(dialogId, `hello in ${dialogId}`));
    for (const record of written) server.live(record);
    const deliveredBy = new Map<string, number>();
    for (let t = 0; t < 5_000 && deliveredBy.size < 3; t += 50) {
      await clock.advance(50);
      for (const m of messages) if (!deliveredBy.has(m.dialogId) && written.some((r) => r.dialogId === m.dialogId)) deliveredBy.set(m.dialogId, clock.now() - reconnectedAt);
    }
    expect([...deliveredBy.keys()].sort()).toEqual(['conv-150', 'conv-299', 'conv-5']);
    for (const latency of deliveredBy.values()) expect(latency).toBeLessThanOrEqual(6_000);
  });

  it('retries a join whose query timed out and never releases live events past the gap', async () => {
    const { clock, server, agent, messages, errors } = make({ ...fast, requestTimeout: 1_000 });
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'the first message');
    server.held.add('.ams.ms.QueryMessages'); // the responses are lost
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    server.live(server.store(dialogId, 'the second message'));
    await clock.advance(1_500); // the join timed out
    expect(errors).toContainEqual(expect.objectContaining({ kind: 'RequestTimeout' }));
    expect(messages).toEqual([]); // held: the first message is not fetched yet
    server.held.clear();
    server.unanswered.splice(0);
    await clock.advance(10_000); // the retry, with backoff
    server.live(server.store(dialogId, 'the third message'));
    await clock.advance(5);
    expect(messages.map((m) => m.sequence)).toEqual([1, 2, 3]);
  });

  it('unsubscribes the conversation subscription the server holds now, after a reconnect replayed it', async () => {
    const { clock, server, agent } = make(fast);
    await connected(agent, clock.advance);
    const subscribing = firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'] }));
    await clock.advance(5);
    const { subscriptionId } = await subscribing;
    server.current?.serverClose(1006);
    await clock.advance(50);
    const replayed = server.requests('.ams.aam.SubscribeExConversations');
    expect(replayed).toHaveLength(2);
    const unsubscribed = firstValueFrom(agent.unsubscribeExConversations({ subscriptionId: subscriptionId ?? "" }));
    await clock.advance(5);
    await unsubscribed;
    expect(server.requests('.ams.aam.UnsubscribeExConversations')[0]?.body).toEqual({ subscriptionId: `sub-${replayed[1]?.id ?? ''}` });
    server.current?.serverClose(1006);
    await clock.advance(50);
    expect(server.requests('.ams.aam.SubscribeExConversations')).toHaveLength(2); // not replayed again
  });

  it('reconnects when a replayed request gets no answer, instead of reconnecting for ever', async () => {
    const { clock, server, agent, states } = make({ ...fast, requestTimeout: 1_000 });
    await connected(agent, clock.advance);
    const subscribed = firstValueFrom(agent.subscribeRoutingTasks());
    await clock.advance(5);
    await subscribed;
    server.held.add('.ams.routing.SubscribeRoutingTasks');
    server.current?.serverClose(1006);
    await clock.advance(1_000 + 50); // the replay timed out: that socket is given up
    expect(server.sockets.filter((s) => s.closed).length).toBeGreaterThanOrEqual(2);
    server.held.clear();
    await clock.advance(5_000);
    expect(states[states.length - 1]?.[1].status).toBe('open');
  });

  it('replays a subscription again when the replay is answered 5xx, instead of opening without it (simulator seed 179)', async () => {
    const { clock, server, agent } = make({ ...fast, requestTimeout: 1_000 });
    await connected(agent, clock.advance);
    const subscribed = firstValueFrom(agent.subscribeRoutingTasks());
    await clock.advance(5);
    await subscribed;
    let refusals = 1;
    server.answers.set('.ams.routing.SubscribeRoutingTasks', () => (refusals-- > 0 ? { code: 500, body: 'Internal error' } : undefined));
    server.current?.serverClose(1006);
    await clock.advance(5_000);
    expect(server.requests('.ams.routing.SubscribeRoutingTasks')).toHaveLength(3); // the first, the refused replay, the replay that took
    expect(agent.stats().status).toBe('open');
  });

  it('keeps live events that come ahead of the conversation change in order behind the history the join brings (simulator seed 209)', async () => {
    const { clock, server, agent, messages } = make(fast);
    await connected(agent, clock.advance);
    const subscribed = firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'] }));
    await clock.advance(5);
    await subscribed;
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'written before the accept');
    server.live(server.store(dialogId, 'written just after')); // the agent hears it before it hears it joined
    await clock.advance(200);
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(50);
    expect(messages.map((m) => m.sequence)).toEqual([1, 2]);
  });

  it('delivers every live event of a dialog it does not follow, in order, when its join never comes (even past 1,000 held)', async () => {
    const { clock, server, agent, messages } = make(fast);
    await connected(agent, clock.advance);
    for (let i = 0; i < 1_200; i++) server.live({ sequence: 500 + i, dialogId: 'watched', originatorId: 'c', serverTimestamp: 1, event: { type: 'ContentEvent', contentType: 'text/plain', message: `m${i}` } });
    await clock.advance(2_000);
    expect(messages.map((m) => m.sequence)).toEqual(Array.from({ length: 1_200 }, (_, i) => 500 + i));
  });

  it('still delivers what was written before a close that comes while the dialog is being caught up (review)', async () => {
    const { clock, server, agent, messages } = make(fast);
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'one');
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    server.current?.serverClose(1006);
    server.store(dialogId, 'written while the agent was away');
    server.held.add('.ams.ms.QueryMessages');
    await clock.advance(50); // reconnected; the catch-up waits for its answer
    server.current?.push(conversationFrame({ convId: dialogId, conversation: { state: 'CLOSE' } }));
    server.held.clear();
    server.release();
    await clock.advance(50);
    expect(messages.map((m) => m.sequence)).toEqual([1, 2]);
    server.current?.serverClose(1006);
    const before = server.requests('.ams.ms.QueryMessages').length;
    await clock.advance(50);
    expect(server.requests('.ams.ms.QueryMessages')).toHaveLength(before); // let go once caught up
  });

  it('lets other dialogs through while a query answered 429 waits: the wait holds no pacer slot (review)', async () => {
    const { clock, server, agent, errors } = make({ ...fast, pacing: { concurrency: 1, perSecond: 100, burst: 100, rateLimitedWait: 5_000 } });
    await connected(agent, clock.advance);
    let refused = 1;
    server.answers.set('.ams.ms.QueryMessages', (frame) => (frame.body['dialogId'] === 'conv-a' && refused-- > 0 ? { code: 429, body: 'Too Many Requests' } : undefined));
    server.current?.push(conversationFrame(['conv-a', 'conv-b'].map((convId) => aConversationChange({ convId }))));
    await clock.advance(100); // conv-a waits out its 429; conv-b is fetched meanwhile
    expect(server.requests('.ams.ms.QueryMessages').map((q) => q.body['dialogId'])).toEqual(['conv-a', 'conv-b']);
    await clock.advance(5_000);
    expect(server.requests('.ams.ms.QueryMessages').map((q) => q.body['dialogId'])).toEqual(['conv-a', 'conv-b', 'conv-a']);
    expect(errors).toEqual([]);
  });

  it('reports a join refused for good (400) once and delivers what it held, instead of trying for ever (review)', async () => {
    const { clock, server, agent, messages, errors } = make(fast);
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.answers.set('.ams.ms.QueryMessages', () => ({ code: 400, body: 'Bad Request' }));
    server.current?.push(conversationFrame({ convId: dialogId }));
    server.live(server.store(dialogId, 'live'));
    await clock.advance(60_000);
    expect(server.requests('.ams.ms.QueryMessages')).toHaveLength(1);
    expect(errors.filter((e) => e.kind === 'RequestFailed')).toHaveLength(1);
    expect(messages.map((m) => m.sequence)).toEqual([1]);
  });

  it('settles connect() when the run ends inside start(): token credentials refused, reconnect off, connect again', async () => {
    const { clock, server, agent } = make({ reconnect: false });
    await connected(agent, clock.advance);
    server.current?.serverClose(4401);
    await clock.advance(5);
    const again = firstValueFrom(agent.connect()).then(
      () => 'open',
      (e: AgentError) => e.kind,
    );
    await clock.advance(5);
    await expect(Promise.race([again, new Promise((r) => setImmediate(() => r('pending')))])).resolves.toBe('AuthFailed');
  });

  it('with follow: false, a drop fetches no dialog from sequence 0', async () => {
    const { clock, server, agent, messages } = make({ ...fast, follow: false });
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'old history');
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    server.current?.serverClose(1006);
    await clock.advance(50);
    expect(server.requests('.ams.ms.QueryMessages').filter((q) => q.body['newerThanSequence'] === 0)).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('finds a published key past the first 100 records of a dialog it does not follow, without putting history on messages$', async () => {
    const { clock, server, agent, messages } = make({ ...fast, requestTimeout: 60_000 });
    await connected(agent, clock.advance);
    for (let i = 0; i < 150; i++) server.store('dialog-9', `old ${i}`);
    server.lostResponses.add('.ams.ms.PublishEvent');
    const published = firstValueFrom(agent.execute(sendText('dialog-9', 'hello', { idempotencyKey: 'reply:dialog-9:150' })));
    await clock.advance(5);
    server.lostResponses.clear();
    server.current?.serverClose(1006);
    await clock.advance(2_000);
    await expect(published).resolves.toMatchObject({ body: { sequence: 151 } });
    expect(server.requests('.ams.ms.PublishEvent')).toHaveLength(1);
    expect(messages).toEqual([]);
  });

  it('keeps the newest records when a join is capped at history', async () => {
    const { clock, server, agent, messages } = make({ ...fast, follow: { history: 10 } });
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    for (let i = 1; i <= 25; i++) server.store(dialogId, `message ${i}`);
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(1_000);
    expect(messages.map((m) => m.sequence)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('forgets conversations that closed while it was disconnected: the snapshot after the reconnect says which are open', async () => {
    const { clock, server, agent } = make(fast);
    await connected(agent, clock.advance);
    const open = ['conv-a', 'conv-b', 'conv-c'];
    let snapshot = open;
    server.answers.set('.ams.aam.SubscribeExConversations', (frame, socket) => {
      server.later(() => socket.push({ ...conversationFrame(snapshot.map((convId) => aConversationChange({ convId }))), body: { ...conversationFrame(snapshot.map((convId) => aConversationChange({ convId }))).body, subscriptionId: `sub-${frame.id}` } }), 2);
      return { body: { subscriptionId: `sub-${frame.id}` } };
    });
    const subscribed = firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'] }));
    await clock.advance(100);
    await subscribed;
    expect(agent.stats()).toMatchObject({ openConversations: 3, followedDialogs: 3 });
    snapshot = ['conv-c']; // a and b closed during the drop
    server.current?.serverClose(1006);
    await clock.advance(1_000);
    expect(agent.stats()).toMatchObject({ openConversations: 1, followedDialogs: 1 });
    const before = server.requests('.ams.ms.QueryMessages').length;
    server.current?.serverClose(1006);
    await clock.advance(1_000);
    expect(server.requests('.ams.ms.QueryMessages').slice(before).map((q) => q.body['dialogId'])).toEqual(['conv-c']);
  });

  it('keeps the watermark of a quiet followed dialog however many other dialogs pass through', async () => {
    const { clock, server, agent, messages } = make(fast);
    await connected(agent, clock.advance);
    const quiet = seedIds.ringConvId;
    server.store(quiet, 'one');
    server.current?.push(conversationFrame({ convId: quiet }));
    await clock.advance(5);
    expect(messages).toHaveLength(1);
    // 10 001 other dialogs' events pass by (not followed: a manager's view, say).
    for (let i = 0; i <= 10_000; i++) server.live({ sequence: 1, dialogId: `other-${i}`, originatorId: 'c', serverTimestamp: 1, event: { type: 'ContentEvent', contentType: 'text/plain', message: 'x' } });
    const before = server.requests('.ams.ms.QueryMessages').length;
    server.current?.serverClose(1006);
    await clock.advance(50);
    expect(server.requests('.ams.ms.QueryMessages').slice(before).map((q) => [q.body['dialogId'], q.body['newerThanSequence']])).toContainEqual([quiet, 1]);
    expect(messages.filter((m) => m.dialogId === quiet)).toHaveLength(1);
  });

  it('keeps a socket whose factory reports no pongs alive on GetClock answers alone', async () => {
    const clock = virtualTime();
    const server = new FakeServer(clock.scheduler);
    server.pongs = false;
    const factory: typeof server.factory = (url, handlers, options) => {
      const { onPong: _ignored, ...withoutPong } = handlers;
      return server.factory(url, withoutPong, options);
    };
    const agent = createAgent({ ...tokenConfig(server, clock.scheduler), socketFactory: factory, keepAlive: 1_000 });
    cleanups.push(() => agent.dispose());
    await connected(agent, clock.advance);
    await clock.advance(10_000);
    expect(server.sockets).toHaveLength(1);
    expect(server.sockets[0]?.closed).toBe(false);
  });

  it('aborts a login in flight when disposed, and times a login out in virtual time', async () => {
    const clock = virtualTime();
    const server = new FakeServer(clock.scheduler);
    const signals: AbortSignal[] = [];
    const hanging = ((_input: unknown, init?: RequestInit) => {
      if (init?.signal) signals.push(init.signal);
      return new Promise<Response>(() => undefined);
    }) as typeof fetch;
    const errors: AgentError[] = [];
    const agent = createAgent(passwordConfig(server, clock.scheduler, { fetch: hanging }, { loginTimeout: 2_000, reconnect: { initialInterval: 60_000, jitter: 0 } }));
    cleanups.push(() => agent.dispose());
    agent.errors$.subscribe((e) => errors.push(e));
    const connecting = firstValueFrom(agent.connect()).catch((e: AgentError) => e);
    await clock.advance(1_999);
    expect(errors).toEqual([]);
    await clock.advance(1);
    expect(errors).toContainEqual(expect.objectContaining({ kind: 'AuthFailed', stage: 'login', message: expect.stringContaining('timed out after 2000 ms') }));
    expect(signals[0]?.aborted).toBe(true);
    await clock.advance(60_000); // the next try hangs too
    expect(signals).toHaveLength(2);
    expect(signals[1]?.aborted).toBe(false);
    agent.dispose();
    expect(signals[1]?.aborted).toBe(true);
    await expect(connecting).resolves.toMatchObject({ kind: 'ConnectionClosed', code: 1000 });
  });
});
