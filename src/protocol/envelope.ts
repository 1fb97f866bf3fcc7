import * as t from 'io-ts';
import { struct, TypedObject } from './common.js';

/** A request id: we send strings; some documented examples use numbers. */
export const RequestId = t.union([t.string, t.number], 'RequestId');

/** `{kind:"req", id, type, body?, headers?, metadata?, encodedMetadata?}` (PROTOCOL.md §2). */
export const RequestEnvelope = struct(
  'RequestEnvelope',
  { id: RequestId, type: t.string },
  // LivePerson's schema marks `kind` optional on requests; a frame without it is a request.
  { kind: t.literal('req'), body: t.unknown, headers: t.array(TypedObject), metadata: t.array(TypedObject), encodedMetadata: t.string },
);
export type RequestEnvelope = t.TypeOf<typeof RequestEnvelope>;

/** `{kind:"resp", reqId, code, type, body}`; codes of 400 and above are failures. */
export const ResponseEnvelope = struct(
  'ResponseEnvelope',
  { kind: t.literal('resp'), reqId: RequestId, code: t.number },
  { type: t.string, body: t.unknown },
);
export type ResponseEnvelope = t.TypeOf<typeof ResponseEnvelope>;

/** `{kind:"notification", type, body}`. */
export const NotificationEnvelope = struct(
  'NotificationEnvelope',
  { kind: t.literal('notification'), type: t.string },
  { body: t.unknown },
);
export type NotificationEnvelope = t.TypeOf<typeof NotificationEnvelope>;

/** Any envelope. */
export const Envelope = t.union([RequestEnvelope, ResponseEnvelope, NotificationEnvelope], 'Envelope');
export type Envelope = t.TypeOf<typeof Envelope>;
