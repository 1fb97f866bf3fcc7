import { replyKey, type CommandOf, type ReplyCause } from '../domain/index.js';
import type { QuickReplies, RichContent } from './richContent.js';
import type { ConversationField, KnownChatState, KnownRole, PublishAudience, RichContentEvent, TypedObject } from '../protocol/index.js';

/** A PublishEvent command: a message, receipt or chat state to publish in a dialog. */
export type PublishEventCommand = CommandOf<'.ams.ms.PublishEvent'>;
/** An UpdateConversationField command: close, transfer, join, leave. */
export type ConversationFieldCommand = CommandOf<'.ams.cm.UpdateConversationField'>;
/** An UpdateRingState command: the answer to a ring. */
export type RingAnswerCommand = CommandOf<'.ams.routing.UpdateRingState'>;

/** Options of a published message. */
export interface PublishOptions {
  /** Who sees it. `AGENTS_AND_MANAGERS` is a private note the consumer never sees. Default: everyone. */
  messageAudience?: PublishAudience;
  /** Quick-reply buttons shown under the message (structured content `quickReplies`; build them with `rich.quickReplies`). */
  quickReplies?: QuickReplies | Record<string, unknown>;
  /** Typed metadata for the request envelope, e.g. `[{ type: 'BotResponse', ... }]`. */
  metadata?: TypedObject[];
  /**
   * The event's idempotency key, sent as `ExternalId` metadata. The agent tags every publish with
   * one (a random key by default); give a key derived from what is answered, e.g.
   * `reply:${m.dialogId}:${m.sequence}`, so that a retry, or another process taking over, can tell
   * that the reply was already published.
   */
  idempotencyKey?: string;
  /**
   * The message this publish answers: the key becomes `reply:<dialogId>:<sequence>` (see
   * {@link replyKey}), which is what an agent pool needs to answer every message exactly once across
   * a failover. `idempotencyKey`, when given too, wins.
   */
  replyTo?: ReplyCause;
  /** Which message of a multi-message answer this is (1, 2, ...), so each has its own key. Default 1. */
  part?: number;
}

/** Options of a transfer to a skill. */
export interface TransferToSkillOptions {
  /**
   * Legacy id (`accountId.userId`) of the assigned agent to remove. Default: this agent, filled in
   * by the agent when the command is sent (a manager moving someone else's conversation sets it).
   */
  agentLegacyId?: string;
}

const publish = (dialogId: string, event: PublishEventCommand['body']['event'], options: PublishOptions = {}): PublishEventCommand => {
  const { messageAudience, replyTo, part } = options;
  const idempotencyKey = options.idempotencyKey ?? (replyTo ? replyKey(replyTo, part) : undefined);
  const metadata = idempotencyKey === undefined ? options.metadata : [...(options.metadata ?? []), { type: 'ExternalId', id: idempotencyKey }];
  return {
    type: '.ams.ms.PublishEvent',
    body: { dialogId, event, ...(messageAudience ? { messageAudience } : {}) },
    ...(metadata ? { metadata } : {}),
  };
};

const updateFields = (convId: string, conversationField: ConversationField[]): ConversationFieldCommand => ({
  type: '.ams.cm.UpdateConversationField',
  body: { conversationId: convId, conversationField },
});

/**
 * Accepts a ring: the conversation is assigned to this agent.
 *
 * @example
 * agent.run(agent.rings$.pipe(filter((r) => r.ringState === 'WAITING'), map((r) => acceptRing(r.ringId))));
 */
export function acceptRing(ringId: string): RingAnswerCommand {
  return { type: '.ams.routing.UpdateRingState', body: { ringId, ringState: 'ACCEPTED' } };
}

/**
 * Rejects a ring: routing offers the conversation to another agent.
 *
 * @example
 * agent.run(of(rejectRing(ring.ringId)));
 */
export function rejectRing(ringId: string): RingAnswerCommand {
  return { type: '.ams.routing.UpdateRingState', body: { ringId, ringState: 'REJECTED' } };
}

/**
 * Publishes a text message (`ContentEvent`, `text/plain`) in a dialog.
 *
 * @example
 * agent.run(of(sendText(convId, 'Hello!', { quickReplies })));
 * // an answer to a message, keyed by it (exactly once across a failover):
 * agent.run(messages$.pipe(map((m) => sendText(m.dialogId, 'On it', { replyTo: m }))));
 */
export function sendText(dialogId: string, text: string, options: PublishOptions = {}): PublishEventCommand {
  const { quickReplies } = options;
  return publish(dialogId, { type: 'ContentEvent', contentType: 'text/plain', message: text, ...(quickReplies ? { quickReplies: quickReplies as Record<string, unknown> } : {}) }, options);
}

/**
 * Publishes structured content (a card, carousel, buttons) in a dialog.
 *
 * @example
 * agent.run(of(sendRichContent(convId, rich.card([rich.text('Pick one'), rich.button('This one', rich.publishText('this one'))]))));
 */
export function sendRichContent(dialogId: string, content: RichContent | RichContentEvent['content'], options: PublishOptions = {}): PublishEventCommand {
  const { quickReplies } = options;
  // The builders' types are narrower than the wire's open record; the wire shape is the same.
  const wire = content as RichContentEvent['content'];
  return publish(dialogId, { type: 'RichContentEvent', content: wire, ...(quickReplies ? { quickReplies: quickReplies as Record<string, unknown> } : {}) }, options);
}

/**
 * Marks the events with the given sequences READ.
 *
 * @example
 * agent.run(of(readReceipt(message.dialogId, [message.sequence])));
 */
export function readReceipt(dialogId: string, sequences: readonly number[]): PublishEventCommand {
  return publish(dialogId, { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [...sequences] });
}

/**
 * Publishes a chat state: COMPOSING while typing, ACTIVE when done, ...
 *
 * @example
 * agent.run(of(chatState(dialogId, 'COMPOSING')));
 */
export function chatState(dialogId: string, state: KnownChatState): PublishEventCommand {
  return publish(dialogId, { type: 'ChatStateEvent', chatState: state });
}

/**
 * Closes a conversation and all its dialogs (skips the post-conversation survey).
 *
 * @example
 * agent.run(of(closeConversation(convId)));
 */
export function closeConversation(convId: string): ConversationFieldCommand {
  return updateFields(convId, [{ field: 'ConversationStateField', conversationState: 'CLOSE' }]);
}

/**
 * Transfers a conversation to a skill ("back to queue"): removes the assigned agent and moves the
 * conversation to `skillId` in one request, so routing rings that skill's agents.
 *
 * @example
 * agent.run(of(transferToSkill(convId, '1234')));
 */
export function transferToSkill(convId: string, skillId: string, options: TransferToSkillOptions = {}): ConversationFieldCommand {
  const { agentLegacyId } = options;
  return updateFields(convId, [
    { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT', ...(agentLegacyId ? { userId: agentLegacyId } : {}) },
    { field: 'Skill', type: 'UPDATE', skill: skillId },
  ]);
}

/**
 * Transfers a conversation to one agent (PROTOCOL.md §3.1): this agent leaves, the target is
 * SUGGESTED as assigned agent and the conversation moves to `skillId`; routing rings the target,
 * who appears SUGGESTED until it accepts.
 *
 * @example
 * agent.run(of(transferToAgent(convId, '123.456', '1234')));
 */
export function transferToAgent(convId: string, agentLegacyId: string, skillId: string): ConversationFieldCommand {
  return updateFields(convId, [
    { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
    { field: 'ParticipantsChange', type: 'SUGGEST', role: 'ASSIGNED_AGENT', userId: agentLegacyId },
    { field: 'Skill', type: 'UPDATE', skill: skillId },
  ]);
}

/**
 * Joins a conversation as MANAGER (this agent; the agent fills in its legacy id).
 *
 * @example
 * agent.run(of(joinAsManager(convId)));
 */
export function joinAsManager(convId: string): ConversationFieldCommand {
  return updateFields(convId, [{ field: 'ParticipantsChange', type: 'ADD', role: 'MANAGER' }]);
}

/**
 * Leaves a conversation in which this agent has `role` (MANAGER, READER, ASSIGNED_AGENT, ...).
 *
 * @example
 * agent.run(of(leaveConversation(convId, 'MANAGER')));
 */
export function leaveConversation(convId: string, role: KnownRole): ConversationFieldCommand {
  return updateFields(convId, [{ field: 'ParticipantsChange', type: 'REMOVE', role }]);
}
