import { isRight } from 'fp-ts/lib/Either.js';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { CommandResult } from '../../src/agent/index.js';
import { DecodeError, RequestFailed, RequestTimeout, type Command } from '../../src/domain/index.js';
import { requestDefinitions, type Response } from '../../src/protocol/index.js';
import {
  aContentEvent,
  aConversationChange,
  anAgentState,
  aRing,
  contentEventFrame,
  conversationFrame,
  createTestAgent,
  ringFrame,
  seedIdentity,
  toEventRecord,
} from '../../src/testing/index.js';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const accept = (ringId: string): Command => ({ type: '.ams.routing.UpdateRingState', body: { ringId, ringState: 'ACCEPTED' } });
const say = (dialogId: string, message: string): Command => ({
  type: '.ams.ms.PublishEvent',
  body: { dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message } },
});

describe('createTestAgent', () => {
  it('emits on its typed streams what the test gives it, when it gives it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const rings = { a: aRing(), b: aRing({ ringState: 'ACCEPTED' }) };
      const agent = createTestAgent({
        rings$: hot('       -a-b-|', rings),
        conversations$: hot('--c--', { c: aConversationChange() }),
        agentState$: hot('  s----', { s: anAgentState() }),
      });
      expectObservable(agent.rings$).toBe('        -a-b-|', rings);
      expectObservable(agent.conversations$).toBe('--c--', { c: aConversationChange() });
      expectObservable(agent.agentState$).toBe('  s----', { s: anAgentState() });
      expectObservable(agent.messages$).toBe('    -----');
      expectObservable(agent.connection$).toBe('  a----', { a: { status: 'open' } });
    });
  });

  it('records each command run in the frame it is emitted, and answers it at once', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = createTestAgent();
      const commands = { a: accept('r1'), b: say('d1', 'hi') };
      agent.run(hot('--a---b--', commands));
      expectObservable(agent.sent$).toBe('--a---b--', commands);
      expectObservable(agent.results$.pipe(map((r) => r.ok && r.response.body))).toBe('--a---b--', {
        a: 'Ring state updated successfully',
        b: { sequence: 1 },
      });
    });
  });

  it('replays commands sent before the scheduler flushes at frame 0', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const agent = createTestAgent();
      agent.run(cold('a-b', { a: accept('r1'), b: accept('r2') }));
      expectObservable(agent.sent$).toBe('a-b', { a: accept('r1'), b: accept('r2') });
    });
  });

  it('records typed method calls when they are subscribed, and decodes their default answers', () => {
    testScheduler().run(({ expectObservable }) => {
      const agent = createTestAgent();
      expectObservable(agent.publishEvent({ dialogId: 'd1', event: { type: 'ContentEvent', contentType: 'text/plain', message: 'one' } })).toBe('(a|)', { a: { sequence: 1 } });
      expectObservable(agent.subscribeRoutingTasks()).toBe('(a|)', { a: { subscriptionId: 'test-subscription-1' } });
      expectObservable(agent.getClock()).toBe('(a|)', { a: { currentTime: 1517000827442 } });
      expectObservable(agent.sent$).toBe('(abc)', {
        a: say('d1', 'one'),
        b: { type: '.ams.routing.SubscribeRoutingTasks', body: {} },
        c: { type: '.GetClock', body: {} },
      });
    });
  });

  it('numbers published events per dialog, chat states 0', () => {
    const agent = createTestAgent();
    const sequences: number[] = [];
    const publish = (dialogId: string, chat = false): void => {
      agent
        .publishEvent({ dialogId, event: chat ? { type: 'ChatStateEvent', chatState: 'COMPOSING' } : { type: 'ContentEvent', contentType: 'text/plain', message: 'x' } })
        .subscribe((r) => sequences.push(r.sequence));
    };
    publish('a');
    publish('a');
    publish('b');
    publish('a', true);
    expect(sequences).toEqual([1, 2, 1, 0]);
    expect(agent.sent.map((c) => c.type)).toEqual(Array(4).fill('.ams.ms.PublishEvent'));
  });

  it('answers with configured bodies, and fails requests as told', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const failure = new RequestFailed('.ams.routing.UpdateRingState', '1', 400, 'Ring expired');
      const agent = createTestAgent({
        responses: { '.ams.ms.PublishEvent': { sequence: 42 } },
        respond: (command) => (command.type === '.ams.routing.UpdateRingState' ? { code: 400, body: 'Ring expired' } : undefined),
      });
      agent.run(hot('-a-b', { a: accept('r1'), b: say('d1', 'hi') }));
      expectObservable(agent.results$).toBe('-a-b', {
        a: { ok: false, command: accept('r1'), error: failure },
        b: { ok: true, command: say('d1', 'hi'), response: { kind: 'resp', reqId: '2', code: 200, type: '.ams.ms.PublishEvent$Response', body: { sequence: 42 } } },
      } satisfies Record<string, CommandResult>);
      expectObservable(agent.errors$).toBe('-a--', { a: failure });
    });
  });

  it('answers later in virtual time, or with any AgentError, through a cold observable', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const timeout = new RequestTimeout('.ams.routing.UpdateRingState', '2', 10_000);
      const agent = createTestAgent({
        respond: (command, reqId) => (reqId === '1' ? cold('---r', { r: {} }) : command.type === '.ams.routing.UpdateRingState' ? cold('--e', { e: timeout }) : undefined),
      });
      agent.run(hot('a-b', { a: say('d1', 'slow'), b: accept('r1') }));
      expectObservable(agent.sent$).toBe('a-b---', { a: say('d1', 'slow'), b: accept('r1') });
      expectObservable(agent.results$.pipe(map((r) => r.ok))).toBe('---ab', { a: true, b: false });
    });
  });

  it('decodes and normalizes raw frames into every stream, bad frames into errors$', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = createTestAgent({
        frames$: hot('-r-c-m-x', { r: ringFrame(), c: conversationFrame(), m: contentEventFrame({ text: 'hello' }), x: '{oops' }),
      });
      expectObservable(agent.rings$).toBe('        -r------', { r: aRing() });
      expectObservable(agent.conversations$).toBe('---c----', { c: aConversationChange() });
      expectObservable(agent.messages$).toBe('     -----m--', { m: aContentEvent({ text: 'hello' }) });
      expectObservable(agent.notifications$.pipe(map((n) => n.type))).toBe('-r-c-m--', {
        r: '.ams.routing.RoutingTaskNotification',
        c: '.ams.aam.ExConversationChangeNotification',
        m: '.ams.ms.OnlineEventDistribution',
      });
      expectObservable(agent.errors$.pipe(map((e) => e instanceof DecodeError && e.reason))).toBe('-------j', { j: 'json' });
    });
  });

  it('completes every stream on dispose and refuses to send after it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = createTestAgent({ rings$: hot('-a-b', { a: aRing(), b: aRing() }) });
      hot('--d').subscribe(() => agent.dispose());
      expectObservable(agent.rings$).toBe('  -a|', { a: aRing() });
      expectObservable(agent.errors$).toBe(' --|');
      expectObservable(agent.results$).toBe('--|');
      expectObservable(agent.sent$).toBe('   --|');
    });
    const agent = createTestAgent();
    agent.dispose();
    let error: unknown;
    agent.getClock().subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toMatchObject({ kind: 'ConnectionClosed', code: 1000 });
  });

  it('is the seed agent unless told otherwise', () => {
    expect(createTestAgent().identity).toEqual(seedIdentity);
    expect(createTestAgent({ identity: undefined }).identity).toBeUndefined();
    const other = { accountId: '1', legacyId: '1.2' };
    expect(createTestAgent({ identity: other }).identity).toBe(other);
  });

  it('returns normalized history from queryMessages', () => {
    const agent = createTestAgent({ responses: { '.ams.ms.QueryMessages': [toEventRecord(aContentEvent())] } });
    let history: unknown;
    agent.queryMessages({ dialogId: 'd', newerThanSequence: 0 }).subscribe((h) => (history = h));
    expect(history).toEqual([aContentEvent({ source: 'query' })]);
  });

  it('sends raw requests as commands, refusing unknown types and bad bodies', () => {
    const agent = createTestAgent();
    const errors: unknown[] = [];
    agent.request('GetClock').subscribe();
    agent.request('.ams.nope', {}).subscribe({ error: (e: unknown) => errors.push(e) });
    agent.request('.ams.routing.UpdateRingState', { ringId: 1 }).subscribe({ error: (e: unknown) => errors.push(e) });
    expect(agent.sent).toEqual([{ type: '.GetClock', body: {} }]);
    expect(errors).toMatchObject([{ kind: 'RequestFailed', code: 400 }, { kind: 'RequestFailed', code: 400 }]);
  });

  it('answers every request type with a body its response codec accepts', () => {
    const agent = createTestAgent();
    const commands: Command[] = [
      { type: '.GetClock', body: {} },
      { type: '.KeepAlive', body: {} },
      { type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE' } },
      { type: '.ams.routing.SubscribeAgentsState', body: {} },
      { type: '.ams.routing.SubscribeRoutingTasks', body: {} },
      { type: '.ams.routing.UpdateRoutingTaskSubscription', body: { subscriptionId: 's' } },
      accept('r'),
      { type: '.ams.aam.SubscribeExConversations', body: {} },
      { type: '.ams.aam.UnsubscribeExConversations', body: { subscriptionId: 's' } },
      { type: '.ams.aam.UpdateExConversationSubscription', body: { subscriptionId: 's' } },
      { type: '.ams.cm.UpdateConversationField', body: { conversationId: 'c', conversationField: { field: 'Note', note: 'n' } } },
      say('d', 'hi'),
      { type: '.ams.ms.QueryMessages', body: { dialogId: 'd', newerThanSequence: 0 } },
      { type: '.ams.userprofile.GetUserProfile', body: 'consumer' },
      { type: '.ams.cm.AgentRequestConversation', body: { consumerId: 'consumer' } },
      { type: '.ams.ms.GenerateURLForUploadFile', body: { fileSize: 10, fileType: 'PNG' } },
      { type: '.ams.ms.GenerateURLForDownloadFile', body: { relativePath: '/v1/x.png' } },
      {
        type: '.ams.ms.token.GenerateDownloadToken',
        body: { downloadable: { type: 'SecureForm', dialogId: 'd', submissionId: 's', invitationId: 'i' } },
      },
    ];
    expect(new Set(commands.map((c) => c.type)).size).toBe(Object.keys(requestDefinitions).length);
    for (const command of commands) {
      let response: Response | undefined;
      agent.execute(command).subscribe((r) => (response = r));
      const definition = requestDefinitions[command.type];
      expect(response?.type).toBe(definition.responseType);
      expect(isRight(definition.response.decode(response?.body))).toBe(true);
    }
  });
});
