import { firstValueFrom } from 'rxjs';
import { sendText, type AgentError, type ConnectionState } from '../../src/index';
import { aConversationChange, conversationFrame, seedIds } from '../../src/testing/index';
import { agentsDisposedAfterEach, connected, fakeVep } from './fakeServer';

const statusesAfter = (states: Array<[number, ConnectionState]>, from: number) => states.filter(([t]) => t >= from).map(([, s]) => s.status);

describe('the agent state machine over a fake socket, in virtual time', () => {
  const { make } = agentsDisposedAfterEach();

  it('treats a close during the subscription replay as a close: no open, connect() and waiting requests keep waiting', async () => {
    const { clock, server, agent, states } = make({ requestTimeout: 60_000 });
    await connected(agent, clock.advance);
    const subscribed = firstValueFrom(agent.subscribeRoutingTasks());
    await clock.advance(5);
    await subscribed;

    server.held.add('.ams.routing.SubscribeRoutingTasks');
    server.current?.serverClose(1006);
    const dropAt = clock.now();
    await clock.advance(5_000 + 5); // the retry opens a socket; the replay's request is not answered
    expect(server.requests('.ams.routing.SubscribeRoutingTasks')).toHaveLength(2);
    let clockAnswered: unknown;
    agent.getClock().subscribe({ next: (v) => (clockAnswered = v), error: (e: unknown) => (clockAnswered = e) });
    server.current?.serverClose(1006); // closed mid-replay
    await clock.advance(100);
    expect(statusesAfter(states, dropAt)).not.toContain('open');
    expect(clockAnswered).toBeUndefined(); // still waiting, not flushed as ConnectionClosed

    server.held.clear();
    await clock.advance(6_250); // the second retry waits 6 250 ms: the count was not reset by the aborted open
    expect(statusesAfter(states, dropAt)).toEqual(['reconnecting', 'reconnecting', 'reconnecting', 'reconnecting', 'open']);
    expect(clockAnswered).toEqual({ currentTime: 1_000 });
  });

  it('makes connect() fail with a typed error when disposed while connecting', async () => {
    const { clock, server, agent } = make();
    server.autoOpen = false;
    const outcome = firstValueFrom(agent.connect()).then(
      () => 'resolved',
      (e: AgentError) => e,
    );
    await clock.advance(5);
    agent.dispose();
    await expect(outcome).resolves.toMatchObject({ kind: 'ConnectionClosed', code: 1000 });
  });

  it('keeps exactly one refresh loop however many times it logs in again', async () => {
    const vep = fakeVep();
    const { clock, server, agent } = make({ refreshInterval: 1_000, stableAfter: 0, reconnect: { initialInterval: 10, jitter: 0 } }, vep);
    await connected(agent, clock.advance);
    for (let i = 0; i < 4; i++) {
      server.current?.serverClose(4401);
      await clock.advance(50);
    }
    expect(vep.logins()).toBe(5);
    const before = vep.refreshes();
    await clock.advance(10_000);
    expect(vep.refreshes() - before).toBe(10);
  });

  it('logs in again when a refresh is answered 401, and moves the socket to the new session', async () => {
    const vep = fakeVep((n) => ({ status: n === 1 ? 401 : 200 }));
    const { clock, server, agent, errors } = make({ refreshInterval: 1_000 }, vep);
    await connected(agent, clock.advance);
    await clock.advance(1_000 + 20);
    expect(errors).toContainEqual(expect.objectContaining({ kind: 'AuthFailed', stage: 'refresh', status: 401 }));
    expect(vep.logins()).toBe(2);
    expect(server.sockets).toHaveLength(2);
    expect(server.sockets[1]?.url).toContain('/brand/bearer-2?');
    expect(server.current).toBe(server.sockets[1]);
    // One loop, on the new session.
    const before = vep.refreshes();
    await clock.advance(5_000);
    expect(vep.refreshes() - before).toBe(5);
  });

  it('waits out Retry-After when a refresh is answered 429, without touching the socket', async () => {
    const vep = fakeVep((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 }));
    const { clock, server, agent } = make({ refreshInterval: 60_000 }, vep);
    await connected(agent, clock.advance);
    await clock.advance(60_000);
    expect(vep.refreshes()).toBe(1);
    await clock.advance(2_900);
    expect(vep.refreshes()).toBe(1);
    await clock.advance(200);
    expect(vep.refreshes()).toBe(2);
    expect(vep.logins()).toBe(1);
    expect(server.sockets).toHaveLength(1);
  });

  it('retries a refresh answered 5xx with backoff, without logging in or touching the socket', async () => {
    const vep = fakeVep((n) => ({ status: n <= 2 ? 503 : 200 }));
    const { clock, server, agent, errors } = make({ refreshInterval: 60_000, refreshRetryInterval: 500 }, vep);
    await connected(agent, clock.advance);
    await clock.advance(60_000 - 10); // the first refresh is due at 60 000
    expect(vep.refreshes()).toBe(1);
    await clock.advance(499);
    expect(vep.refreshes()).toBe(1);
    await clock.advance(2);
    expect(vep.refreshes()).toBe(2);
    await clock.advance(1_000); // the second retry waits twice as long
    expect(vep.refreshes()).toBe(3);
    expect(vep.logins()).toBe(1);
    expect(server.sockets).toHaveLength(1);
    expect(errors.filter((e) => e.kind === 'AuthFailed')).toHaveLength(2);
  });

  it('resets the reconnect count only after the connection was stable, not when a socket opens', async () => {
    const { clock, server, agent, states } = make({ stableAfter: 10_000 });
    await connected(agent, clock.advance);
    await clock.advance(10_000);
    // A server that accepts and drops at once.
    server.afterOpen = (socket) => socket.serverClose(1006);
    server.current?.serverClose(1006);
    const start = clock.now();
    await clock.advance(5_000 + 6_250 + 7_813 + 10);
    const attempts = server.sockets.slice(1).map(() => 0).length;
    expect(attempts).toBe(3);
    const opensAt = states.filter(([t, s]) => t >= start && s.status === 'reconnecting' && s.attempt !== undefined).map(([t, s]) => [t - start, s.attempt]);
    expect(opensAt).toEqual([
      [0, 1],
      [5_001, 1], // attempt 1 starts after 5 000 ms (+1 ms: the login's settle)
      [5_002, 2],
      [11_252, 2],
      [11_253, 3],
      [19_066, 3],
      [19_067, 4],
    ].map(([t, a]) => [expect.closeTo(t as number, -1), a]));
    // Now the server keeps sockets: after a stable period the next drop starts over at 5 000 ms.
    server.afterOpen = undefined;
    await clock.advance(10_000 + 10_000);
    expect(server.current).toBeDefined();
    const count = server.sockets.length;
    server.current?.serverClose(1006);
    await clock.advance(4_990);
    expect(server.sockets).toHaveLength(count);
    await clock.advance(20);
    expect(server.sockets).toHaveLength(count + 1);
  });

  it('terminates a socket whose pong does not come back within a keep-alive period', async () => {
    const { clock, server, agent, errors } = make({ keepAlive: 1_000, requestTimeout: 60_000 });
    await connected(agent, clock.advance);
    await clock.advance(3_000);
    expect(server.sockets).toHaveLength(1); // pongs come: nothing happens
    server.pongs = false;
    server.held.add('.GetClock');
    const first = server.current;
    await clock.advance(2_000);
    expect(first?.closed).toBe(true);
    expect(errors).toContainEqual(expect.objectContaining({ kind: 'ConnectionClosed', code: 1006 }));
  });

  it('paces catch-up: 300 followed dialogs are re-queried within the burst and the concurrency, and 429 just waits', async () => {
    const { clock, server, agent, errors } = make({ stableAfter: 0, reconnect: { initialInterval: 10, jitter: 0 }, pacing: { concurrency: 4, perSecond: 10, burst: 10 } });
    await connected(agent, clock.advance);
    const changes = Array.from({ length: 300 }, (_, i) => aConversationChange({ convId: `conv-${i}` }));
    server.current?.push(conversationFrame(changes));
    await clock.advance(40_000); // the joins: 300 queries at 10/s
    expect(server.requests('.ams.ms.QueryMessages')).toHaveLength(300);

    const startedAt = server.requests('.ams.ms.QueryMessages').length;
    server.current?.serverClose(1006);
    await clock.advance(10 + 5 + 100); // reconnected, and 100 ms more
    expect(server.requests('.ams.ms.QueryMessages').length - startedAt).toBeLessThanOrEqual(11);

    server.held.add('.ams.ms.QueryMessages');
    await clock.advance(5_000);
    const inFlight = server.unanswered.length;
    expect(inFlight).toBe(4);
    server.held.clear();
    let rateLimited = 0;
    server.answers.set('.ams.ms.QueryMessages', () => (rateLimited++ < 3 ? { code: 429, body: 'Too Many Requests' } : undefined));
    server.release();
    await clock.advance(60_000);
    const total = server.requests('.ams.ms.QueryMessages').length - startedAt;
    expect(total).toBe(300 + 3); // every dialog once, plus the three answered 429 sent again
    expect(errors.filter((e) => e.kind === 'RequestFailed')).toEqual([]);
    expect(new Set(server.requests('.ams.ms.QueryMessages').slice(startedAt).map((f) => f.body['dialogId'])).size).toBe(300);
  });

  it('follows a conversation on joining: the history first, then live events, each sequence once', async () => {
    const { clock, server, agent, messages } = make();
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'written before the ring was accepted');
    server.held.add('.ams.ms.QueryMessages');
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    expect(server.requests('.ams.ms.QueryMessages')[0]?.body).toMatchObject({ dialogId, newerThanSequence: 0 });
    // A live message arrives while the history is on its way: it waits its turn.
    server.live(server.store(dialogId, 'second'));
    expect(messages).toEqual([]);
    server.held.clear();
    server.release();
    await clock.advance(5);
    server.live(server.history.get(dialogId)?.[1] ?? server.store(dialogId, 'x')); // the same event again, live
    expect(messages.map((m) => [m.sequence, m.type === 'ContentEvent' ? m.event.message : '', m.history])).toEqual([
      [1, 'written before the ring was accepted', undefined],
      [2, 'second', undefined],
    ]);
  });

  it('holds at most 1,000 live events of a dialog waiting for its history, then lets them go and fetches again: nothing past the gap, each once, in order', async () => {
    const { clock, server, agent, messages } = make();
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'old');
    server.held.add('.ams.ms.QueryMessages');
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    for (let i = 0; i < 1_200; i++) server.live(server.store(dialogId, `live ${i}`));
    expect(messages).toHaveLength(0); // the first message is not fetched yet: nothing goes past it
    server.held.clear();
    server.release();
    await clock.advance(5_000); // the join's pages, then a catch-up for what was let go
    expect(messages.map((m) => m.sequence)).toEqual(Array.from({ length: 1_201 }, (_, i) => i + 1));
  });

  it('stops following a conversation it was transferred away from, and delivers nothing twice when it comes back', async () => {
    const { clock, server, agent, messages } = make({ reconnect: { initialInterval: 10, jitter: 0 } });
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'first');
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    expect(messages.map((m) => m.sequence)).toEqual([1]);
    // Transferred away: this agent is no longer a participant.
    server.current?.push(conversationFrame({ convId: dialogId, conversation: { participants: [] } }));
    server.store(dialogId, 'while away');
    const queriesBefore = server.requests('.ams.ms.QueryMessages').length;
    server.current?.serverClose(1006);
    await clock.advance(50); // reconnected: no catch-up of a conversation it left
    expect(server.requests('.ams.ms.QueryMessages')).toHaveLength(queriesBefore);
    // Transferred back: the history arrives, each sequence once.
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(5);
    expect(messages.map((m) => m.sequence)).toEqual([1, 2]);
  });

  it('marks what another agent already answered as history when joining mid-way; the unanswered tail is not', async () => {
    const { clock, server, agent, messages } = make();
    await connected(agent, clock.advance);
    const dialogId = seedIds.ringConvId;
    server.store(dialogId, 'question 1');
    server.store(dialogId, 'answer 1', 'ASSIGNED_AGENT', `${seedIds.accountId}.999`);
    server.store(dialogId, 'question 2');
    server.current?.push(conversationFrame({ convId: dialogId }));
    await clock.advance(10);
    expect(messages.map((m) => [m.sequence, m.history ?? false])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it('publishes once across a drop that loses the response: it finds its key in history instead of sending again', async () => {
    const { clock, server, agent } = make({ reconnect: { initialInterval: 10, jitter: 0 }, requestTimeout: 60_000 });
    await connected(agent, clock.advance);
    server.lostResponses.add('.ams.ms.PublishEvent');
    const published = firstValueFrom(agent.execute(sendText('dialog-1', 'hello', { idempotencyKey: 'reply:dialog-1:1' })));
    await clock.advance(5);
    server.lostResponses.clear();
    server.current?.serverClose(1006);
    await clock.advance(50);
    await expect(published).resolves.toMatchObject({ body: { sequence: 1 } });
    expect(server.requests('.ams.ms.PublishEvent')).toHaveLength(1);
    expect(server.history.get('dialog-1')).toHaveLength(1);
    expect(server.requests('.ams.ms.PublishEvent')[0]?.metadata).toEqual([{ type: 'ExternalId', id: 'reply:dialog-1:1' }]);
  });

  it('sends a publish again when the drop lost the request itself', async () => {
    const { clock, server, agent } = make({ reconnect: { initialInterval: 10, jitter: 0 }, requestTimeout: 60_000 });
    await connected(agent, clock.advance);
    server.held.add('.ams.ms.PublishEvent'); // never processed
    const published = firstValueFrom(agent.execute(sendText('dialog-1', 'hello')));
    await clock.advance(5);
    server.unanswered.splice(0);
    server.held.clear();
    server.current?.serverClose(1006);
    await clock.advance(50);
    await expect(published).resolves.toMatchObject({ body: { sequence: 1 } });
    const sent = server.requests('.ams.ms.PublishEvent');
    expect(sent).toHaveLength(2);
    expect(sent[0]?.metadata).toEqual(sent[1]?.metadata); // the same key both times
    expect(server.history.get('dialog-1')).toHaveLength(1);
  });

  describe('the errors$ contract', () => {
    it('reports a failure to whoever asked, once: a direct call gets it, errors$ does not', async () => {
      const { clock, server, agent, errors } = make({ requestTimeout: 1_000 });
      await connected(agent, clock.advance);
      server.held.add('.GetClock');
      const timedOut = firstValueFrom(agent.getClock()).catch((e: AgentError) => e);
      server.answers.set('.ams.userprofile.GetUserProfile', () => ({ body: 42 }));
      const badBody = firstValueFrom(agent.getUserProfile()).catch((e: AgentError) => e);
      await clock.advance(1_000);
      await expect(timedOut).resolves.toMatchObject({ kind: 'RequestTimeout' });
      await expect(badBody).resolves.toMatchObject({ kind: 'DecodeError' });
      expect(errors).toEqual([]);
    });

    it('reports a failure of a command run by agent.run on errors$ once, and nothing the agent does unasked goes unreported', async () => {
      const { clock, server, agent, errors } = make({ requestTimeout: 1_000, keepAlive: 2_000 });
      await connected(agent, clock.advance);
      server.answers.set('.ams.routing.UpdateRingState', () => ({ code: 400, body: 'Ring expired' }));
      const { of } = await import('rxjs');
      agent.run(of({ type: '.ams.routing.UpdateRingState' as const, body: { ringId: 'r1', ringState: 'ACCEPTED' as const } }));
      await clock.advance(5);
      expect(errors.map((e) => e.kind)).toEqual(['RequestFailed']);
      server.current?.push('{not json');
      server.held.add('.GetClock');
      await clock.advance(2_000 + 1_000 + 5);
      expect(errors.map((e) => e.kind)).toEqual(['RequestFailed', 'DecodeError', 'RequestTimeout', 'ConnectionClosed']);
    });
  });
});
