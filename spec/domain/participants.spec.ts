import {
  isActiveAssignee,
  isSuggestedAssignee,
  mainDialog,
  normalizeConversationChanges,
  participantsOf,
  type Conversation,
} from '../../src/domain/index.js';
import {
  conversationTransferSuggestedFrame,
  conversationUpsertFrame,
  seedIdentity,
  seedIds,
  type WireNotification,
} from '../../src/testing/fixtures/index.js';

const { agentLegacyId, agentPid, consumerId, managerPid, managerLegacyId, convId } = seedIds;

function conversationOf(frame: WireNotification<'.ams.aam.ExConversationChangeNotification'>): Conversation {
  const conversation = normalizeConversationChanges(frame.body, seedIdentity).changes[0]?.conversation;
  if (!conversation) throw new Error('fixture has no change');
  return conversation;
}

const assigned = conversationOf(conversationUpsertFrame);
const transferred = conversationOf(conversationTransferSuggestedFrame);
const withoutDialogs: Conversation = { ...assigned, dialogs: [] };

describe('mainDialog', () => {
  it('is the dialog typed MAIN', () => {
    const survey = { dialogId: 'survey', dialogType: 'POST_SURVEY' as const, state: 'OPEN' as const, participants: [] };
    expect(mainDialog({ ...assigned, dialogs: [survey, ...assigned.dialogs] })?.dialogId).toBe(convId);
  });

  it("is the dialog whose id is the conversation's when none is typed", () => {
    const untyped = { dialogId: convId, state: 'OPEN' as const, participants: [] };
    const other = { dialogId: 'other', state: 'OPEN' as const, participants: [] };
    expect(mainDialog({ ...assigned, dialogs: [other, untyped] })).toBe(untyped);
  });

  it('is undefined for a conversation sent without dialogs', () => {
    expect(mainDialog(withoutDialogs)).toBeUndefined();
  });
});

describe('participantsOf', () => {
  it('lists the participants of a role from the MAIN dialog', () => {
    expect(participantsOf(assigned, 'MANAGER')).toEqual([{ id: managerPid, legacyId: managerLegacyId, role: 'MANAGER', state: 'ACTIVE' }]);
    expect(participantsOf(transferred, 'ASSIGNED_AGENT').map((p) => p.state)).toEqual(['SUGGESTED']);
  });

  it('filters by state when asked', () => {
    expect(participantsOf(transferred, 'ASSIGNED_AGENT', 'ACTIVE')).toEqual([]);
    expect(participantsOf(transferred, 'ASSIGNED_AGENT', 'SUGGESTED').map((p) => p.legacyId)).toEqual([agentLegacyId]);
  });

  it('falls back to the conversation-level participants without dialog details', () => {
    expect(participantsOf(withoutDialogs, 'CONSUMER').map((p) => p.id)).toEqual([consumerId]);
    const emptyMain = { ...assigned, participants: assigned.participants.slice(0, 1), dialogs: [{ ...assigned.dialogs[0]!, participants: [] }] };
    expect(participantsOf(emptyMain, 'CONSUMER')).toHaveLength(1);
    expect(participantsOf(emptyMain, 'ASSIGNED_AGENT')).toEqual([]);
  });
});

describe('isActiveAssignee', () => {
  it('is true for the accepted assigned agent, by PId, legacy id or identity', () => {
    expect(isActiveAssignee(assigned, agentPid)).toBe(true);
    expect(isActiveAssignee(assigned, agentLegacyId)).toBe(true);
    expect(isActiveAssignee(assigned, seedIdentity)).toBe(true);
    expect(isActiveAssignee(withoutDialogs, agentPid)).toBe(true);
  });

  it('is false for other roles and other agents', () => {
    expect(isActiveAssignee(assigned, consumerId)).toBe(false);
    expect(isActiveAssignee(assigned, managerPid)).toBe(false);
    expect(isActiveAssignee(assigned, { legacyId: '89476943.1', userPid: 'someone-else' })).toBe(false);
  });

  it('is false for a SUGGESTED transfer target, which has the role but has not accepted', () => {
    expect(participantsOf(transferred, 'ASSIGNED_AGENT')[0]?.legacyId).toBe(agentLegacyId);
    expect(isActiveAssignee(transferred, agentLegacyId)).toBe(false);
    expect(isActiveAssignee(transferred, seedIdentity)).toBe(false);
  });

  it('trusts the MAIN dialog over the conversation-level list', () => {
    const removedFromDialog: Conversation = {
      ...assigned,
      dialogs: [{ ...assigned.dialogs[0]!, participants: assigned.participants.filter((p) => p.role !== 'ASSIGNED_AGENT') }],
    };
    expect(isActiveAssignee(removedFromDialog, agentPid)).toBe(false);
  });
});

describe('isSuggestedAssignee', () => {
  it('is true for the SUGGESTED transfer target, by legacy id or identity', () => {
    expect(isSuggestedAssignee(transferred, agentLegacyId)).toBe(true);
    expect(isSuggestedAssignee(transferred, seedIdentity)).toBe(true);
  });

  it('cannot find the target by PId alone: the server lists it by legacy id only', () => {
    expect(isSuggestedAssignee(transferred, agentPid)).toBe(false);
  });

  it('is false for an accepted assignee and for other participants', () => {
    expect(isSuggestedAssignee(assigned, seedIdentity)).toBe(false);
    expect(isSuggestedAssignee(transferred, managerPid)).toBe(false);
    expect(isSuggestedAssignee(withoutDialogs, agentPid)).toBe(false);
  });
});
