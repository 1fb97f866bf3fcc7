import type { AgentStateChange, ChatStateChange, Conversation, ConversationChange, DialogInfo, MessagingEvent, Ring } from '../domain/index.js';
import {
  ConversationDetails,
  type Dialog,
  type EventRecord,
  type ExConversationResult,
  type ParticipantsByRole,
  type RoutingTask,
} from '../protocol/index.js';
import {
  aContentEvent,
  aConversationChange,
  aRing,
  anAgentState,
  type ContentEventOverrides,
  type ConversationChangeOverrides,
  type RingOverrides,
} from './builders.js';
import type { WireNotification } from './fixtures/frames.js';

// Subscription ids of built frames; fixed, as a test subscribes once per family.
const ROUTING_SUBSCRIPTION = 'test-routing-subscription';
const CONVERSATION_SUBSCRIPTION = 'test-conversation-subscription';
const AGENT_STATE_SUBSCRIPTION = 'test-agent-state-subscription';

/** Drops keys whose value is undefined, so built frames carry only what the server would send. */
function compact<T extends object>(value: T): T {
  // Object.entries loses the key-value pairing TypeScript knew; the keys kept are T's own.
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The wire event record a messaging event (or chat state) was normalized from: the inverse of
 * `normalizeEventRecord`. `originatorId` goes back to the legacy id and `originatorPId` to the PId;
 * chat states lose their (always 0) sequence. Use it for QueryMessages responses and
 * `lastContentEventNotification`s.
 *
 * @example
 * createTestAgent({ responses: { '.ams.ms.QueryMessages': [toEventRecord(aContentEvent())] } });
 *
 * @param event A domain event, e.g. from {@link aContentEvent}.
 * @return The record, ready for `EventRecord`'s codec.
 */
export function toEventRecord(event: MessagingEvent | ChatStateChange): EventRecord {
  const unsequenced = event.type === 'ChatStateEvent' && event.sequence === 0;
  return compact({
    sequence: unsequenced ? undefined : event.sequence,
    dialogId: event.dialogId,
    conversationId: event.convId === event.dialogId ? undefined : event.convId,
    originatorId: event.originatorLegacyId,
    originatorPId: event.originatorId,
    originatorClientProperties: event.clientProperties,
    originatorMetadata: event.role ? compact({ id: event.originatorId, role: event.role, clientProperties: event.clientProperties }) : undefined,
    serverTimestamp: event.serverTimestamp,
    metadata: event.metadata,
    messageAudience: event.messageAudience,
    event: event.event,
  });
}

/**
 * A `.ams.ms.OnlineEventDistribution` frame carrying one event, of any type.
 *
 * @example
 * emulator.injectFrame(frameText(eventFrame(aChatState({ chatState: 'BACKGROUND' }))));
 *
 * @param event A domain event or chat state.
 * @return The frame as the server writes it.
 */
export function eventFrame(event: MessagingEvent | ChatStateChange): WireNotification<'.ams.ms.OnlineEventDistribution'> {
  return { kind: 'notification', type: '.ams.ms.OnlineEventDistribution', body: toEventRecord(event) };
}

/**
 * A `.ams.ms.OnlineEventDistribution` frame of a text message: {@link aContentEvent} with the same
 * overrides, on the wire. Decoded and normalized, it gives back `aContentEvent(overrides)`.
 *
 * @example
 * contentEventFrame({ text: 'hello', sequence: 3 }).body.event; // {type: 'ContentEvent', contentType: 'text/plain', message: 'hello'}
 *
 * @param overrides As for {@link aContentEvent}.
 * @return The frame as the server writes it.
 */
export function contentEventFrame(overrides: ContentEventOverrides = {}): WireNotification<'.ams.ms.OnlineEventDistribution'> {
  return eventFrame(aContentEvent(overrides));
}

function toRoutingTask(ring: Ring): RoutingTask {
  return compact({
    routingTaskId: ring.routingTaskId,
    assignedAgentId: ring.assignedAgentId,
    taskCompleted: ring.taskCompleted,
    conversationId: ring.convId,
    consumerId: ring.consumerId,
    skillId: ring.skillId,
    ringsDetails: [
      compact({
        ringId: ring.ringId,
        ringState: ring.ringState,
        ringExpiration: ring.ringExpiration,
        ringExpirationTs: ring.ringExpirationTs,
        weight: ring.weight,
        convId: ring.convId,
        consumerId: ring.consumerId,
        skillId: ring.skillId,
      }),
    ],
  });
}

/**
 * A `.ams.routing.RoutingTaskNotification` frame: one change per ring (its `changeType`), each a
 * task of one ring. Given overrides, the frame of `aRing(overrides)`; given an array, of exactly
 * those rings (an empty array gives the frame that follows a subscription).
 *
 * @example
 * ringFrame();                                   // the seed's WAITING ring
 * ringFrame({ ringState: 'ACCEPTED' });          // the same ring, taken
 * ringFrame([aRing(), aRing({ convId: 'c2' })]); // two rings in one notification
 *
 * @param rings Overrides of {@link aRing}, or the rings.
 * @return The frame as the server writes it.
 */
export function ringFrame(rings: RingOverrides | readonly Ring[] = {}): WireNotification<'.ams.routing.RoutingTaskNotification'> {
  const list = isList(rings) ? rings : [aRing(rings)];
  return {
    kind: 'notification',
    type: '.ams.routing.RoutingTaskNotification',
    body: { subscriptionId: ROUTING_SUBSCRIPTION, changes: list.map((ring) => ({ type: ring.changeType, result: toRoutingTask(ring) })) },
  };
}

const ConversationContext = ConversationDetails.props.context;

function byRole(conversation: Conversation, id: 'id' | 'legacyId'): ParticipantsByRole {
  const out: ParticipantsByRole = {};
  for (const p of conversation.participants) (out[p.role] ??= []).push(p[id]);
  return out;
}

function toDialog(dialog: DialogInfo): Dialog {
  return compact({
    dialogId: dialog.dialogId,
    participantsDetails: dialog.participants.map((p) => ({ id: p.legacyId, role: p.role, state: p.state })),
    dialogType: dialog.dialogType,
    channelType: dialog.channelType,
    state: dialog.state,
    creationTs: dialog.creationTs,
    endTs: dialog.endTs,
    metaDataLastUpdateTs: dialog.metaDataLastUpdateTs,
    closedBy: dialog.closedBy,
    closedCause: dialog.closedCause,
    metaData: dialog.metaData,
  });
}

/**
 * The wire record a conversation was normalized from: the inverse of `normalizeConversationChanges`
 * for one conversation. Participants go back to `participants` (legacy ids) and `participantsPId`
 * (PIds) by role; dialog participants to their legacy ids. Conversation-level participants are
 * ACTIVE on the wire: SUGGESTED transfer targets belong in a dialog's participants.
 *
 * @example
 * toExConversationResult(aConversation()).conversationDetails.participantsPId; // {CONSUMER: [...], ASSIGNED_AGENT: [...]}
 *
 * @param conversation A domain conversation, e.g. from {@link aConversation}.
 * @return The record, ready for `ExConversationResult`'s codec.
 */
export function toExConversationResult(conversation: Conversation): ExConversationResult {
  const c = conversation;
  const details: ConversationDetails = compact({
    convId: c.convId,
    skillId: c.skillId,
    brandId: c.brandId,
    participants: byRole(c, 'legacyId'),
    participantsPId: byRole(c, 'id'),
    dialogs: c.dialogs.map(toDialog),
    state: c.state,
    stage: c.stage,
    closeReason: c.closeReason,
    startTs: c.startTs,
    endTs: c.endTs,
    metaDataLastUpdateTs: c.metaDataLastUpdateTs,
    firstConversation: c.firstConversation,
    csatRate: c.csatRate,
    csat: c.csat,
    ttr: c.ttr,
    delay: c.delay,
    manualETTR: c.manualETTR,
    note: c.note,
    groupId: c.groupId,
    context: ConversationContext.is(c.context) ? c.context : undefined,
    conversationHandlerDetails: c.conversationHandlerDetails,
  });
  return compact({
    convId: c.convId,
    effectiveTTR: c.effectiveTTR,
    lastUpdateTime: c.lastUpdateTime,
    numberOfunreadMessages: c.unreadMessages,
    conversationDetails: details,
    lastContentEventNotification: c.lastContentEvent ? toEventRecord(c.lastContentEvent) : undefined,
  });
}

/**
 * A `.ams.aam.ExConversationChangeNotification` frame. Given overrides, the frame of
 * `aConversationChange(overrides)`; given an array, one change per element. Decoded and
 * normalized (with the seed identity) it gives back the changes.
 *
 * @example
 * conversationFrame();                                                           // the default conversation, UPSERT
 * conversationFrame({ type: 'DELETE', conversation: { state: 'CLOSE' } });       // closed and removed
 * conversationFrame([aConversationChange({ convId: 'a' }), aConversationChange({ convId: 'b' })]);
 *
 * @param changes Overrides of {@link aConversationChange}, or the changes.
 * @return The frame as the server writes it.
 */
export function conversationFrame(
  changes: ConversationChangeOverrides | readonly ConversationChange[] = {},
): WireNotification<'.ams.aam.ExConversationChangeNotification'> {
  const list = isList(changes) ? changes : [aConversationChange(changes)];
  return {
    kind: 'notification',
    type: '.ams.aam.ExConversationChangeNotification',
    body: {
      subscriptionId: CONVERSATION_SUBSCRIPTION,
      changes: list.map((change) => ({ type: change.type, result: toExConversationResult(change.conversation) })),
    },
  };
}

/**
 * A `.ams.routing.AgentStateNotification` frame. Given overrides, the frame of
 * `anAgentState(overrides)`; given an array, one change per element.
 *
 * @example
 * agentStateFrame({ availability: 'AWAY' }).body.changes[0]?.result.availability; // 'AWAY'
 *
 * @param states Overrides of {@link anAgentState}, or the state changes.
 * @return The frame as the server writes it.
 */
export function agentStateFrame(
  states: Partial<AgentStateChange> | readonly AgentStateChange[] = {},
): WireNotification<'.ams.routing.AgentStateNotification'> {
  const list = isList(states) ? states : [anAgentState(states)];
  return {
    kind: 'notification',
    type: '.ams.routing.AgentStateNotification',
    body: {
      subscriptionId: AGENT_STATE_SUBSCRIPTION,
      changes: list.map((s) => ({
        type: s.type,
        result: compact({ availability: s.availability, description: s.description, channels: s.channels, agentUserId: s.agentUserId }),
      })),
    },
  };
}

function isList<T, O extends object>(value: O | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}
