import { normalizeEventRecord, type Identity } from '../../src/domain/index.js';
import type { EventRecord } from '../../src/protocol/index.js';
import {
  agentMessageFrame,
  consumerComposingFrame,
  consumerMessageFrame,
  deepFreeze,
  queryMessagesRecords,
  seedIdentity,
  seedIds,
} from '../../src/testing/fixtures/index.js';

describe('normalizeEventRecord', () => {
  it("gives the sender's PId as originatorId and keeps the legacy id beside it", () => {
    expect(normalizeEventRecord(agentMessageFrame.body, seedIdentity, 'live')).toMatchObject({
      type: 'ContentEvent',
      originatorId: seedIds.agentPid,
      originatorLegacyId: seedIds.agentLegacyId,
      role: 'ASSIGNED_AGENT',
      isMe: true,
      sequence: 10,
      dialogId: seedIds.ringConvId,
      convId: seedIds.ringConvId,
      source: 'live',
    });
  });

  it("is not isMe for the consumer's events", () => {
    const e = normalizeEventRecord(consumerMessageFrame.body, seedIdentity, 'live');
    expect(e.isMe).toBe(false);
    expect(e.originatorId).toBe(seedIds.consumerId);
  });

  it('turns a ChatStateEvent into a ChatStateChange with sequence 0', () => {
    const e = normalizeEventRecord(consumerComposingFrame.body, seedIdentity, 'live');
    expect(e).toMatchObject({ type: 'ChatStateEvent', chatState: 'COMPOSING', sequence: 0, isMe: false, role: 'CONSUMER' });
  });

  it('takes convId from conversationId when the record has one', () => {
    const record: EventRecord = { ...agentMessageFrame.body, dialogId: 'post-survey-dialog', conversationId: 'conv' };
    expect(normalizeEventRecord(record, seedIdentity, 'live')).toMatchObject({ dialogId: 'post-survey-dialog', convId: 'conv' });
  });

  it('is isMe from the PId alone when the record has no legacy originatorId (old v2 records)', () => {
    const record: EventRecord = {
      sequence: 3,
      originatorPId: seedIds.agentPid,
      serverTimestamp: 1,
      event: { type: 'ContentEvent', contentType: 'text/plain', message: 'hi' },
      dialogId: 'd',
    };
    expect(normalizeEventRecord(record, seedIdentity, 'live')).toMatchObject({
      originatorId: seedIds.agentPid,
      originatorLegacyId: undefined,
      isMe: true,
    });
  });

  it('falls back to originatorMetadata.id, then to the legacy id, for originatorId', () => {
    const { originatorPId: _pid, ...withoutPId } = agentMessageFrame.body;
    expect(normalizeEventRecord(withoutPId, seedIdentity, 'live').originatorId).toBe(seedIds.agentPid);
    const { originatorMetadata: _meta, ...legacyOnly } = withoutPId;
    const e = normalizeEventRecord(legacyOnly, seedIdentity, 'live');
    expect(e.originatorId).toBe(seedIds.agentLegacyId);
    expect(e.isMe).toBe(true);
  });

  it('compares PIds only when the identity has one', () => {
    const noPid: Identity = { accountId: seedIds.accountId, legacyId: '89476943.1' };
    const { originatorId: _legacy, ...pidOnly } = agentMessageFrame.body;
    expect(normalizeEventRecord(pidOnly, noPid, 'live').isMe).toBe(false);
    expect(normalizeEventRecord(pidOnly, { ...noPid, userPid: seedIds.agentPid }, 'live').isMe).toBe(true);
  });

  it('uses originatorClientProperties when there is no originatorMetadata', () => {
    const { originatorMetadata: _meta, ...record } = consumerMessageFrame.body;
    const e = normalizeEventRecord(record, seedIdentity, 'live');
    expect(e.clientProperties).toBe(consumerMessageFrame.body.originatorClientProperties);
    expect(e.role).toBeUndefined();
  });

  it("marks QueryMessages records with source 'query', keeping their order and sequences", () => {
    const events = queryMessagesRecords.map((r) => normalizeEventRecord(r, seedIdentity, 'query'));
    expect(events.map((e) => [e.source, e.sequence, e.type, e.isMe])).toEqual([
      ['query', 8, 'ContentEvent', false],
      ['query', 9, 'AcceptStatusEvent', true],
      ['query', 10, 'ContentEvent', true],
    ]);
  });

  it('does not mutate its input', () => {
    const record = deepFreeze(structuredClone(agentMessageFrame.body));
    normalizeEventRecord(record, seedIdentity, 'live');
    expect(record).toEqual(agentMessageFrame.body);
  });
});
