import * as t from 'io-ts';
import { ChangeType, literals, openLiterals, struct } from './common.js';
import { EventRecord, Role, type KnownRole } from './messaging.js';

/** Conversation state (also used for `stage`). */
export const ConversationState = openLiterals('ConversationState', 'OPEN', 'CLOSE', 'LOCKED');
export type ConversationState = t.TypeOf<typeof ConversationState>;

/** Why a conversation closed. */
export const CloseReason = openLiterals('CloseReason', 'AGENT', 'CONSUMER', 'TIMEOUT', 'SYSTEM');
export type CloseReason = t.TypeOf<typeof CloseReason>;

/** Dialog kinds: the MAIN dialog (its id is the conversation id) and the post-conversation survey. */
export const DialogType = openLiterals('DialogType', 'MAIN', 'POST_SURVEY', 'OTHER');
export type DialogType = t.TypeOf<typeof DialogType>;

/** Dialog channels. */
export const ChannelType = openLiterals('ChannelType', 'MESSAGING', 'COBROWSE');
export type ChannelType = t.TypeOf<typeof ChannelType>;

/** ACTIVE participants have joined; SUGGESTED ones are transfer targets that have not accepted yet. */
export const ParticipantState = openLiterals('ParticipantState', 'ACTIVE', 'SUGGESTED');
export type ParticipantState = t.TypeOf<typeof ParticipantState>;

/** Time-to-respond kinds. */
export const TtrType = openLiterals('TtrType', 'CUSTOM', 'NORMAL', 'PRIORITIZED', 'URGENT');
export type TtrType = t.TypeOf<typeof TtrType>;

/** Delay kinds. */
export const DelayType = openLiterals('DelayType', 'NIGHT', 'WEEKEND', 'HOLIDAY');
export type DelayType = t.TypeOf<typeof DelayType>;

/** Who closed a dialog. */
export const ClosedBy = openLiterals('ClosedBy', 'CONSUMER', 'AGENT', 'SYSTEM');
export type ClosedBy = t.TypeOf<typeof ClosedBy>;

const Ids = t.array(t.string);

/**
 * `{ROLE: [ids]}`. The known roles are checked; roles this version does not know stay on the object
 * and are read like the others (see {@link idsOf}).
 */
export type ParticipantsByRole = { [R in KnownRole]?: string[] } & { [role: string]: unknown };
/**
 * Codec of {@link ParticipantsByRole}: known roles checked, other roles kept as sent.
 *
 * @example
 * ParticipantsByRole.is({ CONSUMER: ['c1'], OBSERVER: ['x'] }); // true
 */
export const ParticipantsByRole: t.Type<ParticipantsByRole, ParticipantsByRole, unknown> = struct(
  'ParticipantsByRole',
  {},
  { CONSUMER: Ids, ASSIGNED_AGENT: Ids, MANAGER: Ids, READER: Ids, CONTROLLER: Ids, AGENT: Ids, BRAND_BOT: Ids },
);

/**
 * The ids listed under a role, known or not; `undefined` when the role is absent or not a list of ids.
 *
 * @example
 * idsOf(details.participants, 'ASSIGNED_AGENT'); // ['12345678.4411']
 */
export function idsOf(byRole: ParticipantsByRole | undefined, role: string): readonly string[] | undefined {
  const ids = byRole?.[role];
  return Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? (ids as string[]) : undefined;
}

/** One participant of a dialog; `id` is a legacy id (`accountId.userId`) for agents. */
export const ParticipantDetails = struct('ParticipantDetails', { id: t.string, role: Role }, { state: ParticipantState });
export type ParticipantDetails = t.TypeOf<typeof ParticipantDetails>;

/** A dialog of a conversation (PROTOCOL.md §4.4). */
export const Dialog = struct(
  'Dialog',
  { dialogId: t.string, state: ConversationState },
  {
    dialogType: DialogType,
    channelType: ChannelType,
    creationTs: t.number,
    endTs: t.number,
    metaDataLastUpdateTs: t.number,
    metaData: t.UnknownRecord,
    closedBy: ClosedBy,
    closedCause: t.string,
    participantsDetails: t.array(ParticipantDetails),
  },
);
export type Dialog = t.TypeOf<typeof Dialog>;

/** Time to respond. */
export const Ttr = struct('Ttr', { ttrType: TtrType }, { value: t.number });
export type Ttr = t.TypeOf<typeof Ttr>;

/** A conversation's `conversationDetails` on the wire. */
export const ConversationDetails = struct(
  'ConversationDetails',
  { state: ConversationState, participants: ParticipantsByRole },
  {
    convId: t.string,
    skillId: t.string,
    brandId: t.string,
    stage: ConversationState,
    closeReason: CloseReason,
    startTs: t.number,
    endTs: t.number,
    metaDataLastUpdateTs: t.number,
    firstConversation: t.boolean,
    csatRate: t.number,
    csat: t.UnknownRecord,
    ttr: Ttr,
    delay: t.type({ type: DelayType, tillWhen: t.number }),
    manualETTR: t.number,
    note: t.string,
    groupId: t.string,
    context: t.intersection([t.partial({ type: t.string, lang: t.string, name: t.string, clientProperties: t.UnknownRecord }), t.UnknownRecord]),
    conversationHandlerDetails: t.partial({ accountId: t.string, skillId: t.string }),
    participantsPId: ParticipantsByRole,
    dialogs: t.array(Dialog),
  },
);
export type ConversationDetails = t.TypeOf<typeof ConversationDetails>;

/** One conversation record of an ExConversationChangeNotification. */
export const ExConversationResult = struct(
  'ExConversationResult',
  { convId: t.string, conversationDetails: ConversationDetails },
  {
    effectiveTTR: t.number,
    lastUpdateTime: t.number,
    numberOfunreadMessages: t.record(t.string, t.number),
    lastContentEventNotification: EventRecord,
  },
);
export type ExConversationResult = t.TypeOf<typeof ExConversationResult>;

/** Body of `.ams.aam.ExConversationChangeNotification`. */
export const ExConversationChangeNotificationBody = struct(
  'ExConversationChangeNotificationBody',
  { changes: t.array(t.type({ type: ChangeType, result: ExConversationResult })) },
  { subscriptionId: t.string },
);
export type ExConversationChangeNotificationBody = t.TypeOf<typeof ExConversationChangeNotificationBody>;

/** `.ams.aam.SubscribeExConversations` request body. */
export const SubscribeExConversationsBody = t.partial(
  {
    convState: t.array(literals('ConvState', 'OPEN', 'CLOSE')),
    agentIds: t.array(t.string),
    minLastUpdatedTime: t.number,
    maxLastUpdatedTime: t.number,
    brandId: t.string,
    consumerId: t.string,
    maxETTR: t.number,
  },
  'SubscribeExConversationsBody',
);
export type SubscribeExConversationsBody = t.TypeOf<typeof SubscribeExConversationsBody>;

/** `.ams.aam.UnsubscribeExConversations` request body. */
export const UnsubscribeExConversationsBody = t.type({ subscriptionId: t.string }, 'UnsubscribeExConversationsBody');
export type UnsubscribeExConversationsBody = t.TypeOf<typeof UnsubscribeExConversationsBody>;

/** `.ams.aam.UpdateExConversationSubscription` request body. */
export const UpdateExConversationSubscriptionBody = t.intersection(
  [SubscribeExConversationsBody, t.type({ subscriptionId: t.string })],
  'UpdateExConversationSubscriptionBody',
);
export type UpdateExConversationSubscriptionBody = t.TypeOf<typeof UpdateExConversationSubscriptionBody>;

// --- conversationField variants (PROTOCOL.md §3.1) ---

/** Add, remove, suggest (transfer target) or update a participant. `userId` is a legacy id. */
export const ParticipantsChange = struct(
  'ParticipantsChange',
  {
    field: t.literal('ParticipantsChange'),
    type: literals('ParticipantsChangeType', 'ADD', 'REMOVE', 'SUGGEST', 'UPDATE'),
    role: Role.closed,
  },
  { userId: t.string },
);
export type ParticipantsChange = t.TypeOf<typeof ParticipantsChange>;

/** Move the conversation to another skill (a transfer). */
export const SkillField = t.type({ field: t.literal('Skill'), type: t.literal('UPDATE'), skill: t.string }, 'Skill');
export type SkillField = t.TypeOf<typeof SkillField>;

/** Close the conversation and all of its dialogs. */
export const ConversationStateField = t.type(
  { field: t.literal('ConversationStateField'), conversationState: t.literal('CLOSE') },
  'ConversationStateField',
);
export type ConversationStateField = t.TypeOf<typeof ConversationStateField>;

/** Create or update (close) a dialog. */
export const DialogChange = struct(
  'DialogChange',
  {
    field: t.literal('DialogChange'),
    type: literals('DialogChangeType', 'CREATE', 'UPDATE'),
    dialog: struct(
      'DialogChangeDialog',
      { dialogId: t.string },
      { state: ConversationState.closed, closedBy: ClosedBy.closed, closedCause: t.string, dialogType: DialogType.closed, channelType: ChannelType.closed },
    ),
  },
  { dialogId: t.string },
);
export type DialogChange = t.TypeOf<typeof DialogChange>;

/** Set the time to respond. */
export const TTRField = t.type({ field: t.literal('TTRField'), ttrType: TtrType.closed, value: t.number }, 'TTRField');
export type TTRField = t.TypeOf<typeof TTRField>;

/** Delay the conversation (night, weekend, holiday). */
export const DelayField = t.type({ field: t.literal('DelayField'), type: DelayType.closed, tillWhen: t.number }, 'DelayField');
export type DelayField = t.TypeOf<typeof DelayField>;

/** Manually set the estimated time to respond. */
export const ManualETTR = t.type({ field: t.literal('ManualETTR'), time: t.number }, 'ManualETTR');
export type ManualETTR = t.TypeOf<typeof ManualETTR>;

/** A note on the conversation. */
export const NoteField = t.type({ field: t.literal('Note'), note: t.string }, 'Note');
export type NoteField = t.TypeOf<typeof NoteField>;

/** Conversation topics (shape not documented; kept as sent). */
export const TopicField = t.intersection([t.type({ field: t.literal('TopicField') }), t.UnknownRecord], 'TopicField');
export type TopicField = t.TypeOf<typeof TopicField>;

/** CSAT rating (sent by consumers). */
export const CSATRate = struct(
  'CSATRate',
  { field: t.literal('CSATRate'), csatRate: t.number },
  { csatResolutionConfirmation: t.boolean, status: literals('CsatStatus', 'FILLED', 'PARTIALLY_FILLED', 'SKIPPED') },
);
export type CSATRate = t.TypeOf<typeof CSATRate>;

/** Every `conversationField` variant. */
export const ConversationField = t.union(
  [ParticipantsChange, SkillField, ConversationStateField, DialogChange, TTRField, DelayField, ManualETTR, NoteField, TopicField, CSATRate],
  'ConversationField',
);
export type ConversationField = t.TypeOf<typeof ConversationField>;

/** `.ams.cm.UpdateConversationField` request body; the server also accepts a single field object. */
export const UpdateConversationFieldBody = t.type(
  { conversationId: t.string, conversationField: t.union([t.array(ConversationField), ConversationField]) },
  'UpdateConversationFieldBody',
);
export type UpdateConversationFieldBody = t.TypeOf<typeof UpdateConversationFieldBody>;

/** `.ams.cm.AgentRequestConversation` request body (proactive, agent-initiated conversation). */
export const AgentRequestConversationBody = struct(
  'AgentRequestConversationBody',
  { consumerId: t.string },
  { channelType: t.string, conversationContext: struct('ProactiveContext', { type: t.string }, { originConversationId: t.string }) },
);
export type AgentRequestConversationBody = t.TypeOf<typeof AgentRequestConversationBody>;

/** `.ams.cm.AgentRequestConversation` response. */
export const AgentRequestConversationResponse = t.type({ conversationId: t.string }, 'AgentRequestConversationResponse');
export type AgentRequestConversationResponse = t.TypeOf<typeof AgentRequestConversationResponse>;
