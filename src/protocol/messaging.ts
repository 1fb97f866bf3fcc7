import * as t from 'io-ts';
import { literals, openLiterals, reportUnknown, struct, TypedObject } from './common.js';

/** A role this version knows (what a request may name). */
export type KnownRole = 'CONSUMER' | 'ASSIGNED_AGENT' | 'MANAGER' | 'READER' | 'CONTROLLER' | 'AGENT' | 'BRAND_BOT';
/** Participant roles seen on the wire: the known ones, or any other string. */
export const Role = openLiterals<KnownRole>('Role', 'CONSUMER', 'ASSIGNED_AGENT', 'MANAGER', 'READER', 'CONTROLLER', 'AGENT', 'BRAND_BOT');
export type Role = t.TypeOf<typeof Role>;

/** Receipt statuses of an AcceptStatusEvent. */
export const AcceptStatus = openLiterals('AcceptStatus', 'ACCEPT', 'READ', 'ACCESS', 'NACK', 'ACTION', 'VIEWED');
export type AcceptStatus = t.TypeOf<typeof AcceptStatus>;

/** A chat state this version knows (what may be published). */
export type KnownChatState = 'ACTIVE' | 'INACTIVE' | 'GONE' | 'COMPOSING' | 'PAUSE' | 'BACKGROUND';
/** Typing / presence states of a ChatStateEvent: the known ones, or any other string. */
export const ChatState = openLiterals<KnownChatState>('ChatState', 'ACTIVE', 'INACTIVE', 'GONE', 'COMPOSING', 'PAUSE', 'BACKGROUND');
export type ChatState = t.TypeOf<typeof ChatState>;

/** Who sees a published event. */
export const MessageAudience = openLiterals('MessageAudience', 'ALL', 'AGENTS_AND_MANAGERS');
export type MessageAudience = t.TypeOf<typeof MessageAudience>;
/** Who may see an event being published: only the values the server documents. */
export const PublishAudience = literals('MessageAudience', 'ALL', 'AGENTS_AND_MANAGERS');
export type PublishAudience = t.TypeOf<typeof PublishAudience>;

/** File types accepted by the upload URL request. */
export const FileType = literals('FileType', 'JPG', 'JPEG', 'PNG', 'GIF', 'PDF', 'DOCX', 'XLSX', 'PPTX');
export type FileType = t.TypeOf<typeof FileType>;

/** A text message. */
export const TextContent = struct(
  'TextContent',
  { type: t.literal('ContentEvent'), contentType: t.literal('text/plain'), message: t.string },
  { quickReplies: t.UnknownRecord },
);
/** A hosted file (image, document) referenced by its storage path. */
export const FileContent = struct(
  'FileContent',
  {
    type: t.literal('ContentEvent'),
    contentType: t.literal('hosted/file'),
    message: struct('HostedFile', { relativePath: t.string }, { caption: t.string, fileType: t.string, preview: t.string }),
  },
  { quickReplies: t.UnknownRecord },
);
/** A secure-form invitation sent by the agent. */
export const SecureFormInvitation = t.type(
  {
    type: t.literal('ContentEvent'),
    contentType: t.literal('forms/secure-invitation'),
    message: struct('SecureInvitation', { invitationId: t.string }, { formId: t.string, title: t.string }),
  },
  'SecureFormInvitation',
);
/** A secure-form submission by the consumer. */
export const SecureFormSubmission = t.type(
  {
    type: t.literal('ContentEvent'),
    contentType: t.literal('forms/secure-submission'),
    message: t.type({ submissionId: t.string, invitationId: t.string }, 'SecureSubmission'),
  },
  'SecureFormSubmission',
);
/** A ContentEvent, discriminated by `contentType`. */
export const ContentEvent = t.union([TextContent, FileContent, SecureFormInvitation, SecureFormSubmission], 'ContentEvent');
export type ContentEvent = t.TypeOf<typeof ContentEvent>;

/** Structured content (cards, carousels, buttons). */
export const RichContentEvent = struct(
  'RichContentEvent',
  { type: t.literal('RichContentEvent'), content: t.intersection([t.type({ type: t.string }), t.UnknownRecord]) },
  { quickReplies: t.UnknownRecord },
);
export type RichContentEvent = t.TypeOf<typeof RichContentEvent>;

/** A receipt (ACCEPT, READ, ...) for the events with the listed sequences. */
export const AcceptStatusEvent = t.type(
  { type: t.literal('AcceptStatusEvent'), status: AcceptStatus, sequenceList: t.array(t.number) },
  'AcceptStatusEvent',
);
export type AcceptStatusEvent = t.TypeOf<typeof AcceptStatusEvent>;

/** Typing and presence; never sequenced. */
export const ChatStateEvent = t.type({ type: t.literal('ChatStateEvent'), chatState: ChatState }, 'ChatStateEvent');
export type ChatStateEvent = t.TypeOf<typeof ChatStateEvent>;

/** Every event shape of PROTOCOL.md §3.2, as received (statuses and chat states open). */
export const MessagingEventBody = t.union([ContentEvent, RichContentEvent, AcceptStatusEvent, ChatStateEvent], 'Event');
export type MessagingEventBody = t.TypeOf<typeof MessagingEventBody>;

const KNOWN_EVENT_TYPES = new Set(['ContentEvent', 'RichContentEvent', 'AcceptStatusEvent', 'ChatStateEvent']);
const KNOWN_CONTENT_TYPES = new Set(['text/plain', 'hosted/file', 'forms/secure-invitation', 'forms/secure-submission']);

/**
 * An event of a type (or a ContentEvent of a content type) this version does not know. Delivered as
 * a typed unknown event, never an error; a known type with a malformed shape is still an error.
 *
 * @example
 * const e: OtherEvent = { type: 'ReactionEvent', reaction: 'thumbs-up' };
 */
export interface OtherEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}
function isOtherEvent(u: unknown): u is OtherEvent {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false;
  const { type, contentType } = u as Record<string, unknown>;
  if (typeof type !== 'string') return false;
  if (!KNOWN_EVENT_TYPES.has(type)) return reportUnknown('EventType', type);
  return type === 'ContentEvent' && typeof contentType === 'string' && !KNOWN_CONTENT_TYPES.has(contentType) && reportUnknown('ContentType', contentType);
}
const OtherEvent = new t.Type<OtherEvent, OtherEvent, unknown>(
  'OtherEvent',
  isOtherEvent,
  (u, c) => (isOtherEvent(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/**
 * Whether a received event is one of the shapes this version knows (otherwise an {@link OtherEvent}).
 *
 * @example
 * if (isKnownEvent(record.event)) switch (record.event.type) { ... }
 */
export function isKnownEvent(event: MessagingEventBody | OtherEvent): event is MessagingEventBody {
  // The common case first, compared in place: no hashing of two strings fresh from JSON.parse.
  if (event.type === 'ContentEvent') {
    const contentType = event['contentType'];
    return contentType === 'text/plain' || (typeof contentType === 'string' && KNOWN_CONTENT_TYPES.has(contentType));
  }
  return KNOWN_EVENT_TYPES.has(event.type);
}

/**
 * An event as received: a known shape, or one this version does not know yet.
 *
 * @example
 * ReceivedEvent.is({ type: 'ContentEvent', contentType: 'text/html', message: '<b>hi</b>' }); // true
 */
export const ReceivedEvent = t.union([MessagingEventBody, OtherEvent], 'Event');
export type ReceivedEvent = t.TypeOf<typeof ReceivedEvent>;

/** The same shapes as they may be published: statuses and chat states only from the known ones. */
const PublishableEvent = t.union(
  [
    ContentEvent,
    RichContentEvent,
    t.type({ type: t.literal('AcceptStatusEvent'), status: AcceptStatus.closed, sequenceList: t.array(t.number) }, 'AcceptStatusEvent'),
    t.type({ type: t.literal('ChatStateEvent'), chatState: ChatState.closed }, 'ChatStateEvent'),
  ],
  'Event',
);

/** `.ClientProperties` of an originator; every field optional. */
export const ClientProperties = struct(
  'ClientProperties',
  {},
  {
    type: t.string,
    appId: t.string,
    ipAddress: t.string,
    deviceFamily: t.string,
    os: t.string,
    osVersion: t.string,
    integration: t.string,
    integrationVersion: t.string,
    timeZone: t.string,
    features: t.array(t.string),
  },
);
export type ClientProperties = t.TypeOf<typeof ClientProperties>;

/** Who sent an event: PId and role. */
export const OriginatorMetadata = struct('OriginatorMetadata', { id: t.string, role: Role }, { clientProperties: ClientProperties });
export type OriginatorMetadata = t.TypeOf<typeof OriginatorMetadata>;

/**
 * One messaging event record: the body of `.ams.ms.OnlineEventDistribution`, an element of a
 * QueryMessages response, and `lastContentEventNotification` (PROTOCOL.md §4.5).
 */
export const EventRecord = struct(
  'EventRecord',
  { dialogId: t.string, event: ReceivedEvent },
  {
    sequence: t.number,
    conversationId: t.string,
    originatorId: t.string,
    originatorPId: t.string,
    originatorClientProperties: ClientProperties,
    originatorMetadata: OriginatorMetadata,
    serverTimestamp: t.number,
    metadata: t.array(TypedObject),
    messageAudience: MessageAudience,
  },
);
export type EventRecord = t.TypeOf<typeof EventRecord>;
/**
 * A record whose event is one of the known shapes: what the emulator stores and sends.
 *
 * @example
 * consumer.received$.subscribe((r: KnownEventRecord) => r.event.type);
 */
export type KnownEventRecord = Omit<EventRecord, 'event'> & { event: MessagingEventBody };

/** `.ams.ms.PublishEvent` request body. */
export const PublishEventBody = struct(
  'PublishEventBody',
  { dialogId: t.string, event: PublishableEvent },
  { conversationId: t.string, messageAudience: PublishAudience },
);
export type PublishEventBody = t.TypeOf<typeof PublishEventBody>;

/** `.ams.ms.PublishEvent` response: the sequence assigned (0 for chat states). */
export const PublishEventResponse = t.type({ sequence: t.number }, 'PublishEventResponse');
export type PublishEventResponse = t.TypeOf<typeof PublishEventResponse>;

/** `.ams.ms.QueryMessages` request body. */
export const QueryMessagesBody = struct(
  'QueryMessagesBody',
  { dialogId: t.string },
  // `fromSeq` is node-agent-sdk's `subscribeMessagingEvents` name for `newerThanSequence`; 0 when neither is sent.
  { newerThanSequence: t.number, fromSeq: t.number, olderThanSequence: t.number, maxQuantity: t.number },
);
export type QueryMessagesBody = t.TypeOf<typeof QueryMessagesBody>;

/** `.ams.ms.QueryMessages` response: the records, oldest first. */
export const QueryMessagesResponse = t.array(EventRecord, 'QueryMessagesResponse');
export type QueryMessagesResponse = t.TypeOf<typeof QueryMessagesResponse>;

/** `.ams.ms.GenerateURLForUploadFile` request body. */
export const GenerateURLForUploadFileBody = t.type(
  // LivePerson's schema has the size as a string; node-agent-sdk sends a number.
  { fileSize: t.union([t.number, t.string]), fileType: FileType },
  'GenerateURLForUploadFileBody',
);
export type GenerateURLForUploadFileBody = t.TypeOf<typeof GenerateURLForUploadFileBody>;

/** `.ams.ms.GenerateURLForDownloadFile` request body. */
export const GenerateURLForDownloadFileBody = struct(
  'GenerateURLForDownloadFileBody',
  { relativePath: t.string },
  { dialogId: t.string },
);
export type GenerateURLForDownloadFileBody = t.TypeOf<typeof GenerateURLForDownloadFileBody>;

/** A signed storage URL: PUT (upload) or GET (download) `https://{storage}{relativePath}?temp_url_sig=..&temp_url_expires=..`. */
export const FileUrlResponse = t.type(
  {
    relativePath: t.string,
    queryParams: t.type({ temp_url_sig: t.string, temp_url_expires: t.union([t.string, t.number]) }),
  },
  'FileUrlResponse',
);
export type FileUrlResponse = t.TypeOf<typeof FileUrlResponse>;

/** `.ams.ms.token.GenerateDownloadToken` request body (secure forms). */
export const GenerateDownloadTokenBody = t.type(
  {
    downloadable: t.type({
      type: t.literal('SecureForm'),
      dialogId: t.string,
      submissionId: t.string,
      invitationId: t.string,
    }),
  },
  'GenerateDownloadTokenBody',
);
export type GenerateDownloadTokenBody = t.TypeOf<typeof GenerateDownloadTokenBody>;

/** `.ams.ms.token.GenerateDownloadToken` response. */
export const DownloadTokenResponse = t.type(
  { token: t.type({ type: t.string, readOtk: t.string }) },
  'DownloadTokenResponse',
);
export type DownloadTokenResponse = t.TypeOf<typeof DownloadTokenResponse>;
