import { TestScheduler } from 'rxjs/testing';
import type { ChatStateChange, ContentMessage, Conversation, ConversationChange, MessagingEvent, Ring } from '../../src/domain/index.js';

/** A fresh scheduler per test, comparing frames deeply. */
export const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A WAITING ring of conversation `convId`, skill `-1`. */
export const ring = (ringId: string, convId: string, overrides: Partial<Ring> = {}): Ring => ({
  ringId,
  ringState: 'WAITING',
  changeType: 'UPSERT',
  convId,
  skillId: '-1',
  ...overrides,
});

const conversation = (convId: string, state: Conversation['state']): Conversation => ({ convId, state, participants: [], dialogs: [] });

/** An UPSERT of a conversation in `state` (OPEN by default). */
export const upsert = (convId: string, state: Conversation['state'] = 'OPEN'): ConversationChange => ({
  type: 'UPSERT',
  convId,
  conversation: conversation(convId, state),
  myRole: 'ASSIGNED_AGENT',
});

/** A DELETE of a conversation. */
export const deleted = (convId: string): ConversationChange => ({ type: 'DELETE', convId, conversation: conversation(convId, 'OPEN') });

/** A consumer's text message `sequence` in `dialogId`. */
export const text = (dialogId: string, sequence: number, message = `m${sequence}`, overrides: Partial<ContentMessage> = {}): ContentMessage => ({
  type: 'ContentEvent',
  event: { type: 'ContentEvent', contentType: 'text/plain', message },
  dialogId,
  convId: dialogId,
  sequence,
  originatorId: 'consumer-pid',
  role: 'CONSUMER',
  isMe: false,
  source: 'live',
  ...overrides,
});

/** A READ receipt `sequence` in `dialogId` for `sequenceList`. */
export const receipt = (dialogId: string, sequence: number, sequenceList: number[], isMe = false): MessagingEvent => ({
  type: 'AcceptStatusEvent',
  event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList },
  dialogId,
  convId: dialogId,
  sequence,
  originatorId: isMe ? 'agent-pid' : 'consumer-pid',
  isMe,
  source: 'live',
});

/** A structured-content message. */
export const card = (dialogId: string, sequence: number): MessagingEvent => ({
  type: 'RichContentEvent',
  event: { type: 'RichContentEvent', content: { type: 'vertical', elements: [] } },
  dialogId,
  convId: dialogId,
  sequence,
  originatorId: 'consumer-pid',
  isMe: false,
  source: 'live',
});

/** The consumer typing in `dialogId` (never sequenced). */
export const composing = (dialogId: string): ChatStateChange => ({
  type: 'ChatStateEvent',
  chatState: 'COMPOSING',
  event: { type: 'ChatStateEvent', chatState: 'COMPOSING' },
  dialogId,
  convId: dialogId,
  sequence: 0,
  originatorId: 'consumer-pid',
  isMe: false,
  source: 'live',
});
