import type {
  AcceptStatusEvent,
  Availability,
  ChangeType,
  ChatState,
  ChatStateEvent,
  ClientProperties,
  CloseReason,
  ChannelType,
  ClosedBy,
  ContentEvent,
  ConversationState,
  DelayType,
  DialogType,
  MessageAudience,
  OtherEvent,
  ParticipantState,
  RichContentEvent,
  RingState,
  Role,
  Ttr,
  TypedObject,
} from '../protocol/index.js';

/**
 * One ring: a conversation offered to this agent by routing. One per `ringsDetails` entry of a
 * RoutingTaskNotification change; unlike node-agent-sdk, convId, consumerId and skillId are kept.
 *
 * @example
 * agent.rings$.pipe(filter((r) => r.ringState === 'WAITING')).subscribe((r) => r.convId);
 */
export interface Ring {
  ringId: string;
  ringState: RingState;
  /** UPSERT, or DELETE when routing withdrew the task. */
  changeType: ChangeType;
  convId: string;
  consumerId?: string;
  skillId?: string;
  routingTaskId?: string;
  taskCompleted?: boolean;
  assignedAgentId?: string;
  /** How long the ring lasts, in ms. */
  ringExpiration?: number;
  /** When the ring expires, epoch ms. */
  ringExpirationTs?: number;
  weight?: number;
}

/**
 * A participant of a conversation or dialog. `id` is the PId (UUID) users see; `legacyId`
 * (`accountId.userId` for agents) is what the wire uses in request bodies.
 *
 * @example
 * conversation.participants.find((p) => p.role === 'CONSUMER')?.id;
 */
export interface Participant {
  /** PId when the server sent one, otherwise the legacy id. */
  id: string;
  /** The legacy id (`accountId.userId` for agents, the consumer id for consumers). */
  legacyId: string;
  role: Role;
  /** SUGGESTED: a transfer target that has not accepted yet. */
  state: ParticipantState;
}

/**
 * A dialog of a conversation, participants rebuilt with PIds.
 *
 * @example
 * mainDialog(conversation)?.dialogId === conversation.convId; // true
 */
export interface DialogInfo {
  dialogId: string;
  dialogType?: DialogType;
  channelType?: ChannelType;
  state: ConversationState;
  creationTs?: number;
  endTs?: number;
  metaDataLastUpdateTs?: number;
  closedBy?: ClosedBy;
  closedCause?: string;
  /** As sent, e.g. `{appInstallId}`. */
  metaData?: Record<string, unknown>;
  participants: Participant[];
}

/**
 * A conversation as users see it: ids are PIds, legacy ids kept beside them.
 *
 * @example
 * if (conversation.state === 'OPEN' && isActiveAssignee(conversation, agent.identity.userPid)) { ... }
 */
export interface Conversation {
  convId: string;
  state: ConversationState;
  stage?: ConversationState;
  skillId?: string;
  brandId?: string;
  closeReason?: CloseReason;
  startTs?: number;
  endTs?: number;
  metaDataLastUpdateTs?: number;
  firstConversation?: boolean;
  ttr?: Ttr;
  effectiveTTR?: number;
  note?: string;
  groupId?: string;
  csatRate?: number;
  /** The CSAT answer, as sent. */
  csat?: Record<string, unknown>;
  /** Night, weekend or holiday delay. */
  delay?: { type: DelayType; tillWhen: number };
  /** Manually set estimated time to respond. */
  manualETTR?: number;
  context?: Record<string, unknown>;
  /** Which account and skill handle the conversation. */
  conversationHandlerDetails?: { accountId?: string; skillId?: string };
  /** Conversation-level participants, from `participantsPId` (ids) and `participants` (legacy ids). */
  participants: Participant[];
  dialogs: DialogInfo[];
  /** Unread counts keyed by legacy or consumer id, as sent. */
  unreadMessages?: Record<string, number>;
  /** When the conversation record last changed, epoch ms (`result.lastUpdateTime`). */
  lastUpdateTime?: number;
  /** May be missing even when there are messages (a known service race): never rely on it. */
  lastContentEvent?: MessagingEvent;
}

/**
 * One change of an ExConversationChangeNotification.
 *
 * @example
 * agent.conversations$.pipe(filter((c) => c.type === 'UPSERT' && c.myRole === 'ASSIGNED_AGENT'));
 */
export interface ConversationChange {
  type: ChangeType;
  convId: string;
  conversation: Conversation;
  /** This agent's role in the conversation, if it is a participant. */
  myRole?: Role;
}

/** Fields every messaging event carries. */
export interface EventEnvelope {
  dialogId: string;
  /** The conversation id; for the MAIN dialog it equals the dialog id. */
  convId: string;
  /** Per-dialog sequence; 0 for unsequenced events (chat states). */
  sequence: number;
  serverTimestamp?: number;
  /** The sender's PId (legacy id when the server sent no PId). */
  originatorId: string;
  /** The sender's legacy id, as on the wire. */
  originatorLegacyId?: string;
  role?: Role;
  /** True when this agent sent it. */
  isMe: boolean;
  clientProperties?: ClientProperties;
  metadata?: TypedObject[];
  messageAudience?: MessageAudience;
  /** Where it came from: a live distribution, a QueryMessages replay, or a conversation's last event. */
  source: 'live' | 'query' | 'lastContent';
  /**
   * True for history the agent found when it joined a conversation mid-way (a transfer, a manager
   * joining): messages up to the last one another agent or bot already answered. `contentEvents()`
   * and `markAsRead()` skip them by default; the unanswered tail is not history.
   */
  history?: true;
}

/** A text, file or secure-form message. */
export interface ContentMessage extends EventEnvelope {
  type: 'ContentEvent';
  event: ContentEvent;
}
/** A structured-content message. */
export interface RichContentMessage extends EventEnvelope {
  type: 'RichContentEvent';
  event: RichContentEvent;
}
/** A receipt (ACCEPT, READ, ...) for earlier sequences. */
export interface AcceptStatusMessage extends EventEnvelope {
  type: 'AcceptStatusEvent';
  event: AcceptStatusEvent;
}

/**
 * An event of a type, or a ContentEvent of a content type, this version does not know (LivePerson
 * adds them over time): delivered as sent, typed, never an error. `eventType` is its wire type.
 *
 * @example
 * agent.messages$.pipe(filter((m): m is UnknownMessage => m.type === 'UnknownEvent')).subscribe((m) => log(m.eventType));
 */
export interface UnknownMessage extends EventEnvelope {
  type: 'UnknownEvent';
  /** The event's wire `type`, e.g. `ContentEvent` (with an unknown `contentType`) or a new event type. */
  eventType: string;
  event: OtherEvent;
}

/**
 * A sequenced messaging event: one per OnlineEventDistribution record and per QueryMessages record.
 * Narrow with `ofEventType('ContentEvent')` or `m.type === 'ContentEvent'`.
 *
 * @example
 * agent.messages$.subscribe((m) => { if (m.type === 'ContentEvent' && !m.isMe) reply(m.dialogId); });
 */
export type MessagingEvent = ContentMessage | RichContentMessage | AcceptStatusMessage | UnknownMessage;

/**
 * Typing and presence: COMPOSING, ACTIVE, BACKGROUND (consumer left the app), ...
 *
 * @example
 * agent.chatState$.pipe(filter((c) => c.chatState === 'COMPOSING' && !c.isMe));
 */
export interface ChatStateChange extends EventEnvelope {
  type: 'ChatStateEvent';
  chatState: ChatState;
  event: ChatStateEvent;
}

/**
 * A change of an agent's availability (this agent's, or others' with the privilege).
 *
 * @example
 * agent.agentState$.subscribe((s) => console.log(s.availability));
 */
export interface AgentStateChange {
  type: ChangeType;
  availability: Availability;
  description?: string;
  channels?: string[];
  /** The agent's legacy id, when the server sent it. */
  agentUserId?: string;
  /** True when it is this agent's own state. */
  isMe: boolean;
}

/**
 * Who this agent is, as normalizers need it.
 *
 * @example
 * const me: Identity = { accountId: '123', legacyId: '123.456', userPid: 'b6f7...' };
 */
export interface Identity {
  accountId: string;
  /** `accountId.userId`. */
  legacyId: string;
  /** The agent's PId (UUID), when known. */
  userPid?: string;
}
