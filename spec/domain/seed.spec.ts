import {
  normalizeAgentState,
  normalizeConversationChanges,
  normalizeEventRecord,
  normalizeRings,
  type ChatStateChange,
  type MessagingEvent,
} from '../../src/domain/index.js';
import {
  agentMessageFrame,
  agentOnlineFrame,
  agentReadFrame,
  consumerActiveFrame,
  consumerBackgroundFrame,
  consumerComposingFrame,
  conversationUpsertFrame,
  ringAcceptedFrame,
  seedExpected,
  seedIdentity,
  seedIds,
  type WireNotification,
} from '../../src/testing/fixtures/index.js';

/** Every primitive value in a payload, skipping node-agent-sdk's own `__` markers. */
function leaves(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) leaves(v, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (!k.startsWith('__')) leaves(v, into);
  } else into.add(JSON.stringify(value));
  return into;
}

function expectEveryValueOf(seed: unknown, normalized: unknown): void {
  const kept = leaves(normalized);
  expect([...leaves(seed)].filter((v) => !kept.has(v))).toEqual([]);
}

/** The fields of a record as node-agent-sdk showed it. */
interface SeedRecord {
  sequence?: number;
  originatorId: string;
  originatorMetadata: { role: string; clientProperties: unknown };
  serverTimestamp?: number;
  event: unknown;
  dialogId: string;
  __isMe: boolean;
}

function live(frame: WireNotification<'.ams.ms.OnlineEventDistribution'>): MessagingEvent | ChatStateChange {
  return normalizeEventRecord(frame.body, seedIdentity, 'live');
}

describe('normalized fixtures carry what node-agent-sdk showed (SEED-agent-sdk-events.txt)', () => {
  it('routing.RoutingTaskNotification: same ring, plus convId, consumerId, skillId and the task ids', () => {
    const seedChange = seedExpected.ringNotification.changes[0];
    const seedTask = seedChange.result;
    const rings = normalizeRings(ringAcceptedFrame.body);

    expect(rings).toHaveLength(1);
    expect(rings[0]).toEqual({
      ...seedTask.ringsDetails[0],
      changeType: seedChange.type,
      taskCompleted: seedTask.taskCompleted,
      convId: seedTask.conversationId,
      consumerId: seedTask.consumerId,
      skillId: seedTask.skillId,
      routingTaskId: seedIds.routingTaskId,
      assignedAgentId: seedIds.agentLegacyId,
    });
    expectEveryValueOf(seedTask, rings);
  });

  it('routing.AgentStateNotification: same availability, channels and description; isMe', () => {
    const seedChange = seedExpected.agentStateNotification.changes[0];
    const states = normalizeAgentState(agentOnlineFrame.body, seedIdentity);

    expect(states).toEqual([{ type: seedChange.type, ...seedChange.result, agentUserId: seedIds.agentLegacyId, isMe: true }]);
  });

  describe('cqm.ExConversationChangeNotification', () => {
    const seedChange = seedExpected.conversationNotification.changes[0];
    const seedDetails = seedChange.result.conversationDetails;
    const { changes, warnings } = normalizeConversationChanges(conversationUpsertFrame.body, seedIdentity);
    const change = changes[0];

    it('has the seed participants as PIds, in the same order, and the same __myRole', () => {
      expect(warnings).toEqual([]);
      expect(changes).toHaveLength(1);
      expect(change?.type).toBe(seedChange.type);
      expect(change?.convId).toBe(seedChange.result.convId);
      expect(change?.conversation.participants.map(({ id, role }) => ({ id, role }))).toEqual(seedDetails.participants);
      expect(change?.myRole).toBe(seedDetails.__myRole);
    });

    it('has the seed conversation details', () => {
      const { participants: _participants, __myRole: _myRole, ...rest } = seedDetails;
      expect(change?.conversation).toMatchObject(rest);
      expectEveryValueOf(seedChange.result, change);
    });

    it('has the seed last content event, its sender as PId and legacy id', () => {
      const seedLast = seedChange.result.lastContentEventNotification;
      expect(change?.conversation.lastContentEvent).toEqual({
        type: seedLast.event.type,
        event: seedLast.event,
        dialogId: seedLast.dialogId,
        convId: seedChange.result.convId,
        sequence: seedLast.sequence,
        serverTimestamp: seedLast.serverTimestamp,
        originatorId: seedLast.originatorPId,
        originatorLegacyId: seedLast.originatorId,
        role: seedLast.originatorMetadata.role,
        isMe: true,
        clientProperties: seedLast.originatorMetadata.clientProperties,
        source: 'lastContent',
      });
    });

    it('also keeps what node-agent-sdk deleted', () => {
      expect(change?.conversation).toMatchObject({
        effectiveTTR: -1,
        lastUpdateTime: 1516999340978,
        unreadMessages: { [seedIds.consumerId]: 0, [seedIds.agentLegacyId]: 0 },
        brandId: seedIds.accountId,
        note: '',
        groupId: '-1',
        csatRate: 0,
      });
      expect(change?.conversation.participants.map((p) => p.legacyId)).toEqual([
        seedIds.consumerId,
        seedIds.managerLegacyId,
        seedIds.agentLegacyId,
      ]);
    });
  });

  describe.each([
    ['new message sent by the agent', agentMessageFrame, seedExpected.agentMessage.changes[0]],
    ['message read', agentReadFrame, seedExpected.agentRead],
    ['consumer is typing', consumerComposingFrame, seedExpected.consumerComposing],
    ['consumer websocket closed', consumerBackgroundFrame, seedExpected.consumerBackground],
    ['consumer websocket resumed', consumerActiveFrame, seedExpected.consumerActive.changes[0]],
  ] as const)('ms.MessagingEventNotification: %s', (_name, frame, seed: SeedRecord) => {
    const event = live(frame);

    it('has the seed originatorId (a PId), __isMe and event', () => {
      expect(event.originatorId).toBe(seed.originatorId);
      expect(event.isMe).toBe(seed.__isMe);
      expect(event.event).toEqual(seed.event);
      expect(event.type).toBe((seed.event as { type: string }).type);
    });

    it('has the seed dialog, sequence, timestamp, role and client properties', () => {
      expect(event).toMatchObject({
        dialogId: seed.dialogId,
        convId: seed.dialogId,
        sequence: seed.sequence ?? 0,
        serverTimestamp: seed.serverTimestamp,
        role: seed.originatorMetadata.role,
        clientProperties: seed.originatorMetadata.clientProperties,
        source: 'live',
      });
      expectEveryValueOf(seed, event);
    });
  });
});
