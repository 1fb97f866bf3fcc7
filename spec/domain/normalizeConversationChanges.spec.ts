import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { normalizeConversationChanges, NormalizeWarning, type ConversationChange, type Identity } from '../../src/domain/index.js';
import {
  ExConversationChangeNotificationBody,
  type ConversationDetails,
  type ExConversationResult,
} from '../../src/protocol/index.js';
import {
  conversationDeleteFrame,
  conversationPartialPIdsFrame,
  conversationTransferSuggestedFrame,
  conversationUpsertFrame,
  conversationWithoutLastContentFrame,
  conversationWithoutPIdsFrame,
  deepFreeze,
  seedIdentity,
  seedIds,
} from '../../src/testing/fixtures/index.js';

const { agentLegacyId, agentPid, consumerId, managerLegacyId, managerPid, controllerLegacyId, convId } = seedIds;

function seedResult(): ExConversationResult {
  const result = conversationUpsertFrame.body.changes[0]?.result;
  if (!result) throw new Error('fixture has no change');
  return result;
}

function bodyOf(...changes: Array<{ type?: 'UPSERT' | 'DELETE'; result: ExConversationResult }>): ExConversationChangeNotificationBody {
  return { changes: changes.map(({ type = 'UPSERT', result }) => ({ type, result })) };
}

function withDetails(details: Partial<ConversationDetails>, id: string = convId): ExConversationResult {
  const result = seedResult();
  return { ...result, convId: id, conversationDetails: { ...result.conversationDetails, convId: id, ...details } };
}

function only(body: ExConversationChangeNotificationBody, identity: Identity = seedIdentity): { change: ConversationChange; warnings: NormalizeWarning[] } {
  const { changes, warnings } = normalizeConversationChanges(body, identity);
  const [change] = changes;
  if (!change || changes.length !== 1) throw new Error(`expected one change, got ${changes.length}`);
  return { change, warnings };
}

describe('normalizeConversationChanges', () => {
  describe('a conversation with participantsPId', () => {
    const { change, warnings } = only(conversationUpsertFrame.body);

    it('pairs each participant PId with its legacy id, by role and index, all ACTIVE', () => {
      expect(warnings).toEqual([]);
      expect(change.conversation.participants).toEqual([
        { id: consumerId, legacyId: consumerId, role: 'CONSUMER', state: 'ACTIVE' },
        { id: managerPid, legacyId: managerLegacyId, role: 'MANAGER', state: 'ACTIVE' },
        { id: agentPid, legacyId: agentLegacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
      ]);
    });

    it("rebuilds the dialogs' participants with PIds too", () => {
      expect(change.conversation.dialogs).toEqual([
        {
          dialogId: convId,
          dialogType: 'MAIN',
          channelType: 'MESSAGING',
          state: 'OPEN',
          creationTs: 1516999063585,
          metaDataLastUpdateTs: 1516999196220,
          participants: change.conversation.participants,
        },
      ]);
    });

    it('finds myRole by legacy id, or by PId when the identity has no matching legacy id', () => {
      expect(change.myRole).toBe('ASSIGNED_AGENT');
      const byPid = only(conversationUpsertFrame.body, { accountId: seedIds.accountId, legacyId: 'unknown', userPid: agentPid });
      expect(byPid.change.myRole).toBe('ASSIGNED_AGENT');
      const stranger = only(conversationUpsertFrame.body, { accountId: seedIds.accountId, legacyId: '89476943.1', userPid: 'x' });
      expect(stranger.change.myRole).toBeUndefined();
    });

    it('prefers ASSIGNED_AGENT for myRole when the agent holds several roles', () => {
      const body = bodyOf({
        result: withDetails({
          participants: { CONSUMER: [consumerId], ASSIGNED_AGENT: [agentLegacyId], READER: [agentLegacyId] },
          participantsPId: { CONSUMER: [consumerId], READER: [agentPid], ASSIGNED_AGENT: [agentPid] },
        }),
      });
      expect(only(body).change.myRole).toBe('ASSIGNED_AGENT');
    });

    it('keeps the bookkeeping fields and the last content event', () => {
      expect(change.conversation).toMatchObject({
        convId,
        state: 'OPEN',
        skillId: '-1',
        effectiveTTR: -1,
        lastUpdateTime: 1516999340978,
        unreadMessages: { [consumerId]: 0, [agentLegacyId]: 0 },
        ttr: { ttrType: 'NORMAL', value: 3600 },
        context: { type: 'MobileAppContext', lang: 'en-US' },
      });
      expect(change.conversation.lastContentEvent).toMatchObject({ type: 'RichContentEvent', sequence: 29, source: 'lastContent', isMe: true });
    });
  });

  describe('without participantsPId', () => {
    const { change, warnings } = only(conversationWithoutPIdsFrame.body);

    it('keeps the change, every participant falling back to its legacy id', () => {
      expect(change.conversation.participants).toEqual([
        { id: consumerId, legacyId: consumerId, role: 'CONSUMER', state: 'ACTIVE' },
        { id: managerLegacyId, legacyId: managerLegacyId, role: 'MANAGER', state: 'ACTIVE' },
        { id: agentLegacyId, legacyId: agentLegacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
      ]);
      expect(change.conversation.dialogs[0]?.participants.map((p) => p.id)).toEqual([consumerId, managerLegacyId, agentLegacyId]);
      expect(change.myRole).toBe('ASSIGNED_AGENT');
    });

    it('reports exactly one warning naming the conversation and what was missing', () => {
      expect(warnings).toHaveLength(1);
      const [warning] = warnings;
      expect(warning).toBeInstanceOf(NormalizeWarning);
      expect(warning).toMatchObject({ kind: 'NormalizeWarning', frameType: '.ams.aam.ExConversationChangeNotification', convId });
      expect(warning?.message).toContain(convId);
      expect(warning?.message).toContain('participantsPId is missing');
    });
  });

  describe('with a partial participantsPId', () => {
    const { change, warnings } = only(conversationPartialPIdsFrame.body);

    it('falls back only for the participants without a PId', () => {
      expect(change.conversation.participants.map((p) => [p.role, p.id])).toEqual([
        ['CONSUMER', consumerId],
        ['MANAGER', managerPid],
        ['ASSIGNED_AGENT', agentPid],
        ['CONTROLLER', controllerLegacyId],
      ]);
      expect(change.conversation.dialogs[0]?.participants.map((p) => [p.role, p.id])).toEqual([
        ['CONSUMER', consumerId],
        ['CONTROLLER', controllerLegacyId],
        ['MANAGER', managerPid],
        ['ASSIGNED_AGENT', agentPid],
      ]);
    });

    it('reports one warning for the change, naming the role', () => {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(/no PId for CONTROLLER/);
      expect(warnings[0]?.message.match(/CONTROLLER/g)).toHaveLength(1);
    });
  });

  describe('with a SUGGESTED transfer target in the MAIN dialog', () => {
    const { change, warnings } = only(conversationTransferSuggestedFrame.body);
    const main = change.conversation.dialogs[0];

    it('keeps the target with its legacy id and state SUGGESTED, without a warning', () => {
      expect(main?.participants).toEqual([
        { id: consumerId, legacyId: consumerId, role: 'CONSUMER', state: 'ACTIVE' },
        { id: managerPid, legacyId: managerLegacyId, role: 'MANAGER', state: 'ACTIVE' },
        { id: agentLegacyId, legacyId: agentLegacyId, role: 'ASSIGNED_AGENT', state: 'SUGGESTED' },
      ]);
      expect(warnings).toEqual([]);
    });

    it('gives the target no role in the conversation yet', () => {
      expect(change.myRole).toBeUndefined();
      expect(change.conversation.participants.map((p) => p.role)).toEqual(['CONSUMER', 'MANAGER']);
    });

    it('maps ACTIVE participants by their own legacy id even when a SUGGESTED one of the role comes first', () => {
      const other = { legacy: '89476943.555', pid: '0c4a5a36-1f0e-5d1b-9a57-55e0e2f1a001' };
      const body = bodyOf({
        result: withDetails({
          participants: { CONSUMER: [consumerId], ASSIGNED_AGENT: [other.legacy] },
          participantsPId: { CONSUMER: [consumerId], ASSIGNED_AGENT: [other.pid] },
          dialogs: [
            {
              dialogId: convId,
              dialogType: 'MAIN',
              state: 'OPEN',
              participantsDetails: [
                { id: agentLegacyId, role: 'ASSIGNED_AGENT', state: 'SUGGESTED' },
                { id: consumerId, role: 'CONSUMER', state: 'ACTIVE' },
                { id: other.legacy, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
              ],
            },
          ],
        }),
      });
      const { change: c, warnings: w } = only(body);
      expect(c.conversation.dialogs[0]?.participants.map((p) => [p.id, p.state])).toEqual([
        [agentLegacyId, 'SUGGESTED'],
        [consumerId, 'ACTIVE'],
        [other.pid, 'ACTIVE'],
      ]);
      expect(w).toEqual([]);
    });
  });

  it('keeps the ids of COBROWSE dialogs as sent', () => {
    const body = bodyOf({
      result: withDetails({
        dialogs: [
          {
            dialogId: 'cobrowse-1',
            dialogType: 'OTHER',
            channelType: 'COBROWSE',
            state: 'OPEN',
            participantsDetails: [{ id: agentLegacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' }],
          },
        ],
      }),
    });
    const { change, warnings } = only(body);
    expect(change.conversation.dialogs[0]?.participants).toEqual([
      { id: agentLegacyId, legacyId: agentLegacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('gives dialogs sent without participantsDetails no participants, without a warning', () => {
    const body = bodyOf({ result: withDetails({ dialogs: [{ dialogId: convId, state: 'OPEN' }] }) });
    const { change, warnings } = only(body);
    expect(change.conversation.dialogs[0]?.participants).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('normalizes a DELETE change like an UPSERT', () => {
    const { change, warnings } = only(conversationDeleteFrame.body);
    expect(change).toMatchObject({ type: 'DELETE', convId, myRole: 'ASSIGNED_AGENT' });
    expect(change.conversation).toMatchObject({ state: 'CLOSE', closeReason: 'AGENT', endTs: 1517000108311 });
    expect(change.conversation.dialogs[0]).toMatchObject({ state: 'CLOSE', closedBy: 'AGENT', closedCause: 'Closed by agent' });
    expect(change.conversation.participants.map((p) => p.id)).toEqual([consumerId, managerPid, agentPid]);
    expect(warnings).toEqual([]);
  });

  it('keeps a change without lastContentEventNotification, leaving lastContentEvent undefined', () => {
    const { change, warnings } = only(conversationWithoutLastContentFrame.body);
    expect(change.conversation.lastContentEvent).toBeUndefined();
    expect(change.conversation.participants).toHaveLength(3);
    expect(warnings).toEqual([]);
  });

  it('warns once per degraded change, naming each conversation, and keeps every change in order', () => {
    const withoutPIds = conversationWithoutPIdsFrame.body.changes[0]?.result;
    if (!withoutPIds) throw new Error('fixture has no change');
    const body = bodyOf(
      { result: { ...withoutPIds, convId: 'a' } },
      { result: seedResult() },
      { type: 'DELETE', result: { ...withoutPIds, convId: 'b' } },
    );
    const { changes, warnings } = normalizeConversationChanges(body, seedIdentity);
    expect(changes.map((c) => [c.type, c.convId])).toEqual([
      ['UPSERT', 'a'],
      ['UPSERT', convId],
      ['DELETE', 'b'],
    ]);
    expect(warnings.map((w) => w.convId)).toEqual(['a', 'b']);
  });

  it('reads a role this version does not know like the others (the decoder reports the value once)', () => {
    const text = JSON.stringify(conversationUpsertFrame.body).replace('"MANAGER":', '"VISITOR":["v-1"],"MANAGER":');
    const decoded = ExConversationChangeNotificationBody.decode(JSON.parse(text));
    if (!isRight(decoded)) throw new Error('did not decode');
    const { change } = only(decoded.right);
    expect(change.conversation.participants.map((p) => p.role)).toEqual(['CONSUMER', 'MANAGER', 'ASSIGNED_AGENT', 'VISITOR']);
    expect(change.conversation.participants.find((p) => p.role === 'VISITOR')).toMatchObject({ id: 'v-1', legacyId: 'v-1' });
  });

  it('does not mutate its input', () => {
    for (const frame of [conversationUpsertFrame, conversationWithoutPIdsFrame, conversationTransferSuggestedFrame]) {
      const body = deepFreeze(structuredClone(frame.body));
      expect(() => normalizeConversationChanges(body, seedIdentity)).not.toThrow();
      expect(body).toEqual(frame.body);
    }
  });

  it('never drops a change and never warns twice for one, whatever participantsPId holds', () => {
    const ids = fc.array(fc.uuid(), { maxLength: 3 });
    const byRole = fc.record({ CONSUMER: ids, ASSIGNED_AGENT: ids, MANAGER: ids }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(fc.tuple(byRole, fc.option(byRole, { nil: undefined })), { maxLength: 5 }), (convs) => {
        const body = bodyOf(...convs.map(([participants, participantsPId], i) => ({ result: withDetails({ participants, participantsPId }, `c${i}`) })));
        const { changes, warnings } = normalizeConversationChanges(deepFreeze(body), seedIdentity);
        expect(changes.map((c) => c.convId)).toEqual(convs.map((_, i) => `c${i}`));
        expect(new Set(warnings.map((w) => w.convId)).size).toBe(warnings.length);
        convs.forEach(([participants], i) => {
          const legacy = Object.values(participants).flat();
          for (const id of legacy) expect(changes[i]?.conversation.participants.some((p) => p.legacyId === id)).toBe(true);
        });
      }),
    );
  });
});
