import type {
  AcceptStatusMessage,
  AgentStateChange,
  ChatStateChange,
  ContentMessage,
  Conversation,
  ConversationChange,
  DialogInfo,
  EventEnvelope,
  Identity,
  Participant,
  Ring,
} from '../domain/index.js';
import type { AcceptStatus, ChatState, Role } from '../protocol/index.js';
import { seedIdentity, seedIds } from './fixtures/ids.js';

// Timestamps of the seed's ring conversation, so built values sit beside the fixtures in time.
const RING_TS = 1517000827442;
const CONVERSATION_START_TS = 1517000827500;
const MESSAGE_TS = 1517002349102;

/**
 * Makes deterministic ids: `prefix-1`, `prefix-2`, ... Each call of `sequentialIds` starts its own
 * count, so two specs never share a counter and a spec run twice builds the same ids.
 *
 * @example
 * const convIds = sequentialIds('conv');
 * const rings = [aRing({ convId: convIds() }), aRing({ convId: convIds() })]; // conv-1, conv-2
 *
 * @param prefix What every id starts with.
 * @return A function returning the next id on each call.
 */
export function sequentialIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

/**
 * The seed conversation's consumer and this agent (the seed agent, ASSIGNED_AGENT), with their PIds
 * and legacy ids: the default participants of {@link aConversation}.
 *
 * @example
 * aConversation({ participants: [...seedParticipants, { id: 'm', legacyId: '89476943.9', role: 'MANAGER', state: 'ACTIVE' }] });
 */
export const seedParticipants: readonly Participant[] = Object.freeze([
  Object.freeze({ id: seedIds.consumerId, legacyId: seedIds.consumerId, role: 'CONSUMER', state: 'ACTIVE' } as const),
  Object.freeze({ id: seedIds.agentPid, legacyId: seedIds.agentLegacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' } as const),
]);

/**
 * Overrides of {@link aRing}: every field of a `Ring` may be given.
 *
 * @example
 * const o: RingOverrides = { ringState: 'ACCEPTED' };
 */
export type RingOverrides = Partial<Ring>;

/**
 * A `Ring` as `agent.rings$` emits it. By default the seed's WAITING ring of the seed's ring
 * conversation, equal to what `normalizeRings(ringWaitingFrame.body)` gives. An ACCEPTED ring also
 * defaults to a completed task assigned to the seed agent (like `ringAcceptedFrame`); another
 * `convId` gives another `ringId` unless one is given.
 *
 * @example
 * hot('-w-a', { w: aRing(), a: aRing({ ringState: 'ACCEPTED' }) }); // the same ring, offered then taken
 * aRing({ convId: 'c2' }).ringId; // 'c2_89476943_1517000827442'
 *
 * @param overrides Fields to set.
 * @return A new ring.
 */
export function aRing(overrides: RingOverrides = {}): Ring {
  const convId = overrides.convId ?? seedIds.ringConvId;
  const accepted = (overrides.ringState ?? 'WAITING') === 'ACCEPTED';
  return {
    ringId: convId === seedIds.ringConvId ? seedIds.ringId : `${convId}_${seedIds.accountId}_${RING_TS}`,
    ringState: 'WAITING',
    changeType: 'UPSERT',
    convId,
    consumerId: seedIds.consumerId,
    skillId: seedIds.skillId,
    routingTaskId: seedIds.routingTaskId,
    taskCompleted: accepted,
    ...(accepted ? { assignedAgentId: seedIds.agentLegacyId } : {}),
    ringExpiration: 72000,
    ringExpirationTs: 1517000899442,
    weight: 1517004427244,
    ...overrides,
  };
}

/**
 * Overrides of {@link aConversation}: every field of a `Conversation` may be given. Unless `dialogs` is given,
 * the MAIN dialog follows the conversation's id, state and participants.
 *
 * @example
 * const o: ConversationOverrides = { state: 'CLOSE', closeReason: 'CONSUMER' };
 */
export type ConversationOverrides = Partial<Conversation>;

/**
 * A `Conversation` as users see it: by default an OPEN messaging conversation (the seed's ring
 * conversation) between the seed consumer and this agent as ASSIGNED_AGENT, with one MAIN dialog.
 *
 * @example
 * aConversation().participants.map((p) => p.role); // ['CONSUMER', 'ASSIGNED_AGENT']
 * aConversation({ convId: 'c2', state: 'CLOSE' }).dialogs[0]?.dialogId; // 'c2'
 *
 * @param overrides Fields to set.
 * @return A new conversation.
 */
export function aConversation(overrides: ConversationOverrides = {}): Conversation {
  const convId = overrides.convId ?? seedIds.ringConvId;
  const state = overrides.state ?? 'OPEN';
  const participants = overrides.participants ?? seedParticipants.map((p) => ({ ...p }));
  const closed = state === 'CLOSE';
  const mainDialog: DialogInfo = {
    dialogId: convId,
    dialogType: 'MAIN',
    channelType: 'MESSAGING',
    state,
    creationTs: CONVERSATION_START_TS,
    metaDataLastUpdateTs: CONVERSATION_START_TS,
    ...(closed ? { endTs: overrides.endTs ?? CONVERSATION_START_TS, closedBy: 'CONSUMER' as const } : {}),
    participants: participants.map((p) => ({ ...p })),
  };
  return {
    convId,
    state,
    skillId: seedIds.skillId,
    brandId: seedIds.accountId,
    startTs: CONVERSATION_START_TS,
    metaDataLastUpdateTs: CONVERSATION_START_TS,
    firstConversation: false,
    ttr: { ttrType: 'NORMAL', value: 3600 },
    effectiveTTR: -1,
    lastUpdateTime: CONVERSATION_START_TS,
    ...overrides,
    participants,
    dialogs: overrides.dialogs ?? [mainDialog],
  };
}

/**
 * Overrides of {@link aConversationChange}: the change's fields, and the conversation's.
 *
 * @example
 * const o: ConversationChangeOverrides = { type: 'DELETE', conversation: { state: 'CLOSE' } };
 */
export interface ConversationChangeOverrides {
  type?: ConversationChange['type'];
  /** The conversation's id; `conversation.convId` wins when both are given. */
  convId?: string;
  /** Fields of the conversation, as for {@link aConversation}. */
  conversation?: ConversationOverrides;
  /** This agent's role; computed from the participants and the identity unless given (even as undefined). */
  myRole?: Role;
}

/**
 * A `ConversationChange` as `agent.conversations$` emits it: by default an UPSERT of
 * {@link aConversation}, where this agent is ASSIGNED_AGENT. `myRole` is computed the way the
 * normalizer computes it (ASSIGNED_AGENT wins over other roles this agent holds).
 *
 * @example
 * hot('-u-d', { u: aConversationChange(), d: aConversationChange({ type: 'DELETE', conversation: { state: 'CLOSE' } }) });
 * aConversationChange({ conversation: { participants: [] } }).myRole; // undefined
 *
 * @param overrides Fields to set.
 * @param identity Who "this agent" is, for `myRole` (the seed agent by default).
 * @return A new change.
 */
export function aConversationChange(overrides: ConversationChangeOverrides = {}, identity: Identity = seedIdentity): ConversationChange {
  const conversation = aConversation({ ...(overrides.convId === undefined ? {} : { convId: overrides.convId }), ...overrides.conversation });
  const myRole = 'myRole' in overrides ? overrides.myRole : roleOf(conversation.participants, identity);
  return { type: overrides.type ?? 'UPSERT', convId: conversation.convId, conversation, myRole };
}

function roleOf(participants: readonly Participant[], identity: Identity): Role | undefined {
  let role: Role | undefined;
  for (const p of participants) {
    const isMe = p.legacyId === identity.legacyId || (identity.userPid !== undefined && p.id === identity.userPid);
    if (isMe && (role === undefined || p.role === 'ASSIGNED_AGENT')) role = p.role;
  }
  return role;
}

/**
 * Who sent an event: the seed consumer (the default) or this agent (the seed agent, `isMe: true`).
 *
 * @example
 * aContentEvent({ sender: 'agent' }).isMe; // true
 */
export type Sender = 'consumer' | 'agent';

/**
 * Overrides shared by the event builders: every envelope field, plus `sender` to pick the originator
 * (ids, role and `isMe`) in one word.
 *
 * @example
 * const o: EventOverrides<ContentMessage> = { sender: 'agent', sequence: 4 };
 */
export type EventOverrides<T extends EventEnvelope> = Partial<T> & { sender?: Sender };

function envelope(sender: Sender, sequence: number): EventEnvelope {
  const agent = sender === 'agent';
  return {
    dialogId: seedIds.ringConvId,
    convId: seedIds.ringConvId,
    sequence,
    serverTimestamp: MESSAGE_TS,
    originatorId: agent ? seedIds.agentPid : seedIds.consumerId,
    originatorLegacyId: agent ? seedIds.agentLegacyId : seedIds.consumerId,
    role: agent ? 'ASSIGNED_AGENT' : 'CONSUMER',
    isMe: agent,
    source: 'live',
  };
}

/** The conversation id follows an overridden dialog id unless it is given too (MAIN dialog ids are conversation ids). */
function convIdOf(overrides: Partial<EventEnvelope>): Partial<EventEnvelope> {
  return overrides.dialogId !== undefined && overrides.convId === undefined ? { convId: overrides.dialogId } : {};
}

/**
 * Overrides of {@link aContentEvent}: envelope fields, `sender`, and `text` for a text message.
 *
 * @example
 * const o: ContentEventOverrides = { text: 'where is my order?', sequence: 3 };
 */
export type ContentEventOverrides = EventOverrides<ContentMessage> & { text?: string };

/**
 * A text message (`ContentMessage`) as `agent.messages$` emits it: by default the seed consumer's
 * "hi, where is my order?" in the seed's ring conversation, sequence 1, received live.
 *
 * @example
 * hot('-m', { m: aContentEvent({ text: 'hello' }) });
 * aContentEvent({ sender: 'agent', text: 'Got it!' }).isMe; // true
 *
 * @param overrides Fields to set.
 * @return A new message.
 */
export function aContentEvent(overrides: ContentEventOverrides = {}): ContentMessage {
  const { sender = 'consumer', text = 'hi, where is my order?', ...fields } = overrides;
  return {
    ...envelope(sender, 1),
    type: 'ContentEvent',
    event: { type: 'ContentEvent', contentType: 'text/plain', message: text },
    ...convIdOf(fields),
    ...fields,
  };
}

/**
 * Overrides of {@link anAcceptStatusEvent}: envelope fields, `sender`, and the receipt's `status`
 * and `sequenceList`.
 *
 * @example
 * const o: AcceptStatusOverrides = { status: 'ACCEPT', sequenceList: [3, 4] };
 */
export type AcceptStatusOverrides = EventOverrides<AcceptStatusMessage> & { status?: AcceptStatus; sequenceList?: number[] };

/**
 * A receipt (`AcceptStatusMessage`) as `agent.messages$` emits it: by default the seed consumer
 * READ sequence 1, itself sequence 2.
 *
 * @example
 * anAcceptStatusEvent({ sender: 'agent', sequenceList: [1] }); // this agent read the consumer's message
 *
 * @param overrides Fields to set.
 * @return A new receipt.
 */
export function anAcceptStatusEvent(overrides: AcceptStatusOverrides = {}): AcceptStatusMessage {
  const { sender = 'consumer', status = 'READ', sequenceList = [1], ...fields } = overrides;
  return {
    ...envelope(sender, 2),
    type: 'AcceptStatusEvent',
    event: { type: 'AcceptStatusEvent', status, sequenceList },
    ...convIdOf(fields),
    ...fields,
  };
}

/**
 * Overrides of {@link aChatState}: envelope fields, `sender` and `chatState`.
 *
 * @example
 * const o: ChatStateOverrides = { chatState: 'BACKGROUND' };
 */
export type ChatStateOverrides = EventOverrides<ChatStateChange> & { chatState?: ChatState };

/**
 * A typing or presence change (`ChatStateChange`) as `agent.chatState$` emits it: by default the
 * seed consumer COMPOSING. Chat states are unsequenced (sequence 0) and carry no server timestamp.
 *
 * @example
 * hot('-t-p', { t: aChatState(), p: aChatState({ chatState: 'PAUSE' }) });
 *
 * @param overrides Fields to set.
 * @return A new chat state change.
 */
export function aChatState(overrides: ChatStateOverrides = {}): ChatStateChange {
  const { sender = 'consumer', chatState = 'COMPOSING', ...fields } = overrides;
  const { serverTimestamp: _unsequenced, ...base } = envelope(sender, 0);
  return {
    ...base,
    type: 'ChatStateEvent',
    chatState,
    event: { type: 'ChatStateEvent', chatState },
    ...convIdOf(fields),
    ...fields,
  };
}

/**
 * An availability change (`AgentStateChange`) as `agent.agentState$` emits it: by default this
 * agent (the seed agent) ONLINE on MESSAGING, equal to what `normalizeAgentState(agentOnlineFrame.body, seedIdentity)`
 * gives. `isMe` follows `agentUserId` unless given.
 *
 * @example
 * hot('-o-a', { o: anAgentState(), a: anAgentState({ availability: 'AWAY' }) });
 * anAgentState({ agentUserId: '89476943.1' }).isMe; // false
 *
 * @param overrides Fields to set.
 * @return A new state change.
 */
export function anAgentState(overrides: Partial<AgentStateChange> = {}): AgentStateChange {
  const agentUserId = 'agentUserId' in overrides ? overrides.agentUserId : seedIds.agentLegacyId;
  return {
    type: 'UPSERT',
    availability: 'ONLINE',
    description: '',
    channels: ['MESSAGING'],
    agentUserId,
    isMe: agentUserId === undefined || agentUserId === seedIdentity.legacyId,
    ...overrides,
  };
}
