import { isKnownEvent, type EventRecord } from '../protocol/index.js';
import type { ChatStateChange, EventEnvelope, Identity, MessagingEvent } from './types.js';

/**
 * Where an event record came from: a live OnlineEventDistribution, a QueryMessages replay, or a
 * conversation's `lastContentEventNotification`.
 *
 * @example
 * const source: EventSource = 'query';
 */
export type EventSource = EventEnvelope['source'];

/**
 * Turns one wire event record into what users see: the sender's PId as `originatorId` (the legacy
 * id kept as `originatorLegacyId`), `isMe`, the conversation id and a sequence that is always a
 * number. Chat states come back as a `ChatStateChange`, everything else as a `MessagingEvent`.
 *
 * Unlike node-agent-sdk, `isMe` also holds when only the PId identifies this agent, and the input
 * is never mutated (the `event` object is shared, not copied).
 *
 * @example
 * const e = normalizeEventRecord(frame.body, identity, 'live');
 * if (e.type === 'ContentEvent' && !e.isMe) reply(e.dialogId);
 *
 * @param record A decoded event record (PROTOCOL.md §4.5).
 * @param identity This agent, to compute `isMe`.
 * @param source Where the record came from.
 * @param conversationOf The conversation a dialog belongs to, as the caller has seen it: records
 *   carry no `conversationId` (LivePerson's samples never do), so without it a survey dialog's
 *   events would get the dialog id as their conversation. Default: the dialog id (MAIN dialogs).
 * @return A `MessagingEvent`, or a `ChatStateChange` for a ChatStateEvent.
 */
export function normalizeEventRecord(
  record: EventRecord,
  identity: Identity,
  source: EventSource,
  conversationOf?: (dialogId: string) => string | undefined,
): MessagingEvent | ChatStateChange {
  const meta = record.originatorMetadata;
  const me = identity.userPid;
  const originatorLegacyId = record.originatorId;
  const dialogId = record.dialogId;
  const convId = record.conversationId ?? conversationOf?.(dialogId) ?? dialogId;
  // Chat states are unsequenced; the server leaves the field out rather than sending 0.
  const sequence = record.sequence ?? 0;
  const serverTimestamp = record.serverTimestamp;
  // Every record seen names its sender; '' keeps the field a plain string if one ever does not.
  const originatorId = record.originatorPId ?? meta?.id ?? originatorLegacyId ?? '';
  const role = meta?.role;
  const isMe =
    (originatorLegacyId !== undefined && originatorLegacyId === identity.legacyId) ||
    (me !== undefined && (record.originatorPId === me || meta?.id === me));
  const clientProperties = meta?.clientProperties ?? record.originatorClientProperties;
  const metadata = record.metadata;
  const messageAudience = record.messageAudience;
  const event = record.event;
  if (!isKnownEvent(event)) {
    return { type: 'UnknownEvent', eventType: event.type, event, dialogId, convId, sequence, serverTimestamp, originatorId, originatorLegacyId, role, isMe, clientProperties, metadata, messageAudience, source };
  }
  // One literal per event type, not a spread of a shared envelope: spreading costs ~8x on this hot path.
  switch (event.type) {
    case 'ChatStateEvent':
      return { type: event.type, chatState: event.chatState, event, dialogId, convId, sequence, serverTimestamp, originatorId, originatorLegacyId, role, isMe, clientProperties, metadata, messageAudience, source };
    case 'ContentEvent':
      return { type: event.type, event, dialogId, convId, sequence, serverTimestamp, originatorId, originatorLegacyId, role, isMe, clientProperties, metadata, messageAudience, source };
    case 'RichContentEvent':
      return { type: event.type, event, dialogId, convId, sequence, serverTimestamp, originatorId, originatorLegacyId, role, isMe, clientProperties, metadata, messageAudience, source };
    case 'AcceptStatusEvent':
      return { type: event.type, event, dialogId, convId, sequence, serverTimestamp, originatorId, originatorLegacyId, role, isMe, clientProperties, metadata, messageAudience, source };
  }
}
