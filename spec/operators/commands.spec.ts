import type { Command } from '../../src/domain/index.js';
import {
  acceptRing,
  chatState,
  closeConversation,
  joinAsManager,
  leaveConversation,
  readReceipt,
  rejectRing,
  sendRichContent,
  sendText,
  transferToAgent,
  transferToSkill,
} from '../../src/operators/index.js';
import { requestDefinitions } from '../../src/protocol/index.js';

/** Whether a command's body is what the wire codec of its type accepts. */
const isWireValid = (command: Command): boolean => requestDefinitions[command.type].body.is(command.body);

describe('command builders', () => {
  it('answers rings', () => {
    expect(acceptRing('r1')).toEqual({ type: '.ams.routing.UpdateRingState', body: { ringId: 'r1', ringState: 'ACCEPTED' } });
    expect(rejectRing('r1')).toEqual({ type: '.ams.routing.UpdateRingState', body: { ringId: 'r1', ringState: 'REJECTED' } });
  });

  it('publishes text, with quick replies, audience and envelope metadata only when given', () => {
    expect(sendText('d1', 'hi')).toEqual({
      type: '.ams.ms.PublishEvent',
      body: { dialogId: 'd1', event: { type: 'ContentEvent', contentType: 'text/plain', message: 'hi' } },
    });
    const quickReplies = { type: 'quickReplies', itemsPerRow: 8, replies: [] };
    const metadata = [{ type: 'BotResponse', externalConversationId: 'x' }];
    expect(sendText('d1', 'note', { messageAudience: 'AGENTS_AND_MANAGERS', quickReplies, metadata })).toEqual({
      type: '.ams.ms.PublishEvent',
      body: {
        dialogId: 'd1',
        messageAudience: 'AGENTS_AND_MANAGERS',
        event: { type: 'ContentEvent', contentType: 'text/plain', message: 'note', quickReplies },
      },
      metadata,
    });
  });

  it('publishes structured content', () => {
    const content = { type: 'vertical', elements: [{ type: 'text', text: 'Pick one' }] };
    expect(sendRichContent('d1', content).body).toEqual({ dialogId: 'd1', event: { type: 'RichContentEvent', content } });
  });

  it('publishes READ receipts and chat states', () => {
    expect(readReceipt('d1', [3, 4]).body).toEqual({ dialogId: 'd1', event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [3, 4] } });
    expect(chatState('d1', 'COMPOSING').body).toEqual({ dialogId: 'd1', event: { type: 'ChatStateEvent', chatState: 'COMPOSING' } });
  });

  it('closes a conversation with ConversationStateField CLOSE', () => {
    expect(closeConversation('c1')).toEqual({
      type: '.ams.cm.UpdateConversationField',
      body: { conversationId: 'c1', conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] },
    });
  });

  it('transfers to a skill: REMOVE the assigned agent (this one unless named) and UPDATE the skill, in one request', () => {
    expect(transferToSkill('c1', '42').body.conversationField).toEqual([
      { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
      { field: 'Skill', type: 'UPDATE', skill: '42' },
    ]);
    expect(transferToSkill('c1', '42', { agentLegacyId: '123.9' }).body.conversationField).toEqual([
      { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT', userId: '123.9' },
      { field: 'Skill', type: 'UPDATE', skill: '42' },
    ]);
  });

  it('transfers to an agent: REMOVE this agent, SUGGEST the target as ASSIGNED_AGENT, UPDATE the skill', () => {
    expect(transferToAgent('c1', '123.7', '42').body).toEqual({
      conversationId: 'c1',
      conversationField: [
        { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
        { field: 'ParticipantsChange', type: 'SUGGEST', role: 'ASSIGNED_AGENT', userId: '123.7' },
        { field: 'Skill', type: 'UPDATE', skill: '42' },
      ],
    });
  });

  it('joins as MANAGER and leaves in a role, leaving the user id to the agent', () => {
    expect(joinAsManager('c1').body.conversationField).toEqual([{ field: 'ParticipantsChange', type: 'ADD', role: 'MANAGER' }]);
    expect(leaveConversation('c1', 'READER').body.conversationField).toEqual([{ field: 'ParticipantsChange', type: 'REMOVE', role: 'READER' }]);
  });

  it('builds bodies the wire codecs accept', () => {
    const commands: Command[] = [
      acceptRing('r'),
      rejectRing('r'),
      sendText('d', 't', { quickReplies: { type: 'quickReplies' }, messageAudience: 'ALL' }),
      sendRichContent('d', { type: 'vertical', elements: [] }),
      readReceipt('d', [1]),
      chatState('d', 'ACTIVE'),
      closeConversation('c'),
      transferToSkill('c', 's'),
      transferToAgent('c', 'a.b', 's'),
      joinAsManager('c'),
      leaveConversation('c', 'MANAGER'),
    ];
    expect(commands.filter((c) => !isWireValid(c))).toEqual([]);
  });
});
