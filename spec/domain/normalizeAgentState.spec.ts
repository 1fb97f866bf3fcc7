import { normalizeAgentState } from '../../src/domain/index.js';
import type { AgentStateNotificationBody } from '../../src/protocol/index.js';
import { agentOnlineFrame, deepFreeze, seedIdentity } from '../../src/testing/fixtures/index.js';

describe('normalizeAgentState', () => {
  it('keeps availability, description, channels and the legacy id; isMe for this agent', () => {
    expect(normalizeAgentState(agentOnlineFrame.body, seedIdentity)).toEqual([
      { type: 'UPSERT', availability: 'ONLINE', description: '', channels: ['MESSAGING'], agentUserId: '89476943.282467514', isMe: true },
    ]);
  });

  it('is not isMe for another agent, and isMe when the change names no agent', () => {
    const body: AgentStateNotificationBody = {
      changes: [
        { type: 'UPSERT', result: { availability: 'AWAY', agentUserId: '89476943.999' } },
        { type: 'UPSERT', result: { availability: 'OCCUPIED' } },
      ],
    };
    expect(normalizeAgentState(body, seedIdentity).map((s) => [s.availability, s.isMe])).toEqual([
      ['AWAY', false],
      ['OCCUPIED', true],
    ]);
  });

  it('does not mutate its input', () => {
    const body = deepFreeze(structuredClone(agentOnlineFrame.body));
    normalizeAgentState(body, seedIdentity);
    expect(body).toEqual(agentOnlineFrame.body);
  });
});
