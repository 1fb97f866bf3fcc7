import { isRight } from 'fp-ts/lib/Either.js';
import {
  normalizeAgentState,
  normalizeConversationChanges,
  normalizeEventRecord,
  normalizeRings,
  type AgentStateChange,
  type ChatStateChange,
  type MessagingEvent,
  type NormalizedConversationChanges,
  type Ring,
} from '../../src/domain/index.js';
import { decodeFrame, EventRecord, ExConversationResult, type KnownNotification } from '../../src/protocol/index.js';
import {
  aChatState,
  aContentEvent,
  aConversation,
  aConversationChange,
  agentOnlineFrame,
  agentStateFrame,
  anAcceptStatusEvent,
  anAgentState,
  aRing,
  contentEventFrame,
  consumerMessageFrame,
  conversationFrame,
  eventFrame,
  frameText,
  ringAcceptedFrame,
  ringFrame,
  ringWaitingFrame,
  seedIdentity,
  seedIds,
  sequentialIds,
  toEventRecord,
  toExConversationResult,
  type WireNotification,
} from '../../src/testing/index.js';

/** Decodes a built frame as the agent would, failing the test with the decoder's message. */
function decoded(frame: WireNotification): KnownNotification {
  const result = decodeFrame(frameText(frame));
  if (!isRight(result)) throw result.left;
  const n = result.right;
  if (n.kind !== 'notification' || !n.known || n.type !== frame.type) throw new Error(`decoded as ${n.type}`);
  return n;
}

function ringsOf(frame: WireNotification): Ring[] {
  const n = decoded(frame);
  return n.type === '.ams.routing.RoutingTaskNotification' ? normalizeRings(n.body) : [];
}

function conversationsOf(frame: WireNotification): NormalizedConversationChanges {
  const n = decoded(frame);
  if (n.type !== '.ams.aam.ExConversationChangeNotification') throw new Error(n.type);
  return normalizeConversationChanges(n.body, seedIdentity);
}

function eventOf(frame: WireNotification): MessagingEvent | ChatStateChange {
  const n = decoded(frame);
  if (n.type !== '.ams.ms.OnlineEventDistribution') throw new Error(n.type);
  return normalizeEventRecord(n.body, seedIdentity, 'live');
}

function agentStatesOf(frame: WireNotification): AgentStateChange[] {
  const n = decoded(frame);
  return n.type === '.ams.routing.AgentStateNotification' ? normalizeAgentState(n.body, seedIdentity) : [];
}

describe('domain builders agree with the seed fixtures', () => {
  it('aRing() is the seed WAITING ring, aRing({ringState: ACCEPTED}) the seed ACCEPTED ring', () => {
    expect(normalizeRings(ringWaitingFrame.body)).toEqual([aRing()]);
    expect(normalizeRings(ringAcceptedFrame.body)).toEqual([aRing({ ringState: 'ACCEPTED' })]);
  });

  it('anAgentState() is the seed agent ONLINE', () => {
    expect(normalizeAgentState(agentOnlineFrame.body, seedIdentity)).toEqual([anAgentState()]);
  });

  it('aContentEvent({sequence: 8}) is the seed consumer message, client properties aside', () => {
    const seed = normalizeEventRecord(consumerMessageFrame.body, seedIdentity, 'live');
    expect(seed).toEqual(aContentEvent({ sequence: 8, clientProperties: seed.clientProperties }));
  });
});

describe('builders', () => {
  it('derive the ring id from another conversation id', () => {
    expect(aRing({ convId: 'c2' }).ringId).toBe(`c2_${seedIds.accountId}_1517000827442`);
    expect(aRing({ convId: 'c2', ringId: 'r' }).ringId).toBe('r');
  });

  it('keep the MAIN dialog in step with the conversation', () => {
    const c = aConversation({ convId: 'c2', state: 'CLOSE' });
    expect(c.dialogs).toHaveLength(1);
    expect(c.dialogs[0]).toMatchObject({ dialogId: 'c2', dialogType: 'MAIN', state: 'CLOSE', closedBy: 'CONSUMER' });
  });

  it('compute myRole as the normalizer does', () => {
    expect(aConversationChange().myRole).toBe('ASSIGNED_AGENT');
    expect(aConversationChange({ conversation: { participants: [] } }).myRole).toBeUndefined();
    expect(aConversationChange({ myRole: 'MANAGER' }).myRole).toBe('MANAGER');
  });

  it('take the sender in one word', () => {
    expect(aContentEvent({ sender: 'agent' })).toMatchObject({ isMe: true, role: 'ASSIGNED_AGENT', originatorId: seedIds.agentPid, originatorLegacyId: seedIds.agentLegacyId });
    expect(aChatState({ chatState: 'PAUSE' })).toMatchObject({ chatState: 'PAUSE', event: { chatState: 'PAUSE' }, sequence: 0 });
    expect(anAcceptStatusEvent({ status: 'ACCEPT', sequenceList: [3] }).event).toEqual({ type: 'AcceptStatusEvent', status: 'ACCEPT', sequenceList: [3] });
  });

  it('make the conversation id follow the dialog id', () => {
    expect(aContentEvent({ dialogId: 'd' }).convId).toBe('d');
    expect(aContentEvent({ dialogId: 'd', convId: 'c' }).convId).toBe('c');
  });

  it('build the same values every time, and fresh objects', () => {
    expect(aConversationChange()).toEqual(aConversationChange());
    expect(aConversation().participants).not.toBe(aConversation().participants);
    const ids = sequentialIds('conv');
    expect([ids(), ids()]).toEqual(['conv-1', 'conv-2']);
    expect(sequentialIds('conv')()).toBe('conv-1');
  });
});

describe('frame builders round-trip through decodeFrame and the normalizers', () => {
  it('ringFrame', () => {
    expect(ringsOf((ringFrame()))).toEqual([aRing()]);
    const rings = [aRing(), aRing({ convId: 'c2', ringState: 'ACCEPTED', changeType: 'DELETE' })];
    expect(ringsOf((ringFrame(rings)))).toEqual(rings);
    expect(ringsOf((ringFrame([])))).toEqual([]);
  });

  it('conversationFrame', () => {
    const { changes, warnings } = conversationsOf(conversationFrame());
    expect(changes).toEqual([aConversationChange()]);
    expect(warnings).toEqual([]);

    const closed = aConversationChange({
      type: 'DELETE',
      conversation: {
        convId: 'c2',
        state: 'CLOSE',
        closeReason: 'CONSUMER',
        context: { type: 'SharkContext', lang: 'en-US' },
        unreadMessages: { [seedIds.consumerId]: 0 },
        lastContentEvent: aContentEvent({ dialogId: 'c2', source: 'lastContent', sender: 'agent' }),
      },
    });
    expect(conversationsOf(conversationFrame([closed])).changes).toEqual([closed]);
  });

  it('conversationFrame keeps a SUGGESTED transfer target in the dialog', () => {
    const conversation = aConversation();
    const [main] = conversation.dialogs;
    if (!main) throw new Error('no dialog');
    main.participants.push({ id: '89476943.777', legacyId: '89476943.777', role: 'ASSIGNED_AGENT', state: 'SUGGESTED' });
    const change = aConversationChange({ conversation });
    expect(conversationsOf(conversationFrame([change])).changes).toEqual([change]);
  });

  it('contentEventFrame, and eventFrame for every event builder', () => {
    expect(eventOf(contentEventFrame({ text: 'hello', sequence: 3 }))).toEqual(aContentEvent({ text: 'hello', sequence: 3 }));
    for (const event of [
      aContentEvent({ sender: 'agent', messageAudience: 'AGENTS_AND_MANAGERS', metadata: [{ type: 'BotResponse' }] }),
      aContentEvent({ dialogId: 'survey', convId: 'c1' }),
      anAcceptStatusEvent(),
      anAcceptStatusEvent({ sender: 'agent', clientProperties: { type: '.ClientProperties', ipAddress: '10.0.0.1' } }),
      aChatState(),
      aChatState({ chatState: 'BACKGROUND' }),
    ]) {
      expect(eventOf(eventFrame(event))).toEqual(event);
    }
  });

  it('chat state frames are unsequenced, like the server sends them', () => {
    expect(eventFrame(aChatState()).body).not.toHaveProperty('sequence');
  });

  it('agentStateFrame', () => {
    expect(agentStatesOf(agentStateFrame())).toEqual([anAgentState()]);
    const others = [anAgentState({ availability: 'AWAY', agentUserId: '89476943.1' }), anAgentState({ availability: 'OCCUPIED', description: 'busy' })];
    expect(agentStatesOf(agentStateFrame(others))).toEqual(others);
  });

  it('record encoders produce values their codecs accept', () => {
    expect(EventRecord.is(toEventRecord(aContentEvent()))).toBe(true);
    expect(ExConversationResult.is(toExConversationResult(aConversation({ state: 'CLOSE' })))).toBe(true);
  });

  it('frames carry no undefined fields', () => {
    const text = frameText(conversationFrame());
    expect(JSON.parse(text)).toEqual(conversationFrame());
  });
});
