import { isLeft, isRight, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { DecodeError } from './errors.js';
import { NotificationEnvelope, RequestEnvelope, ResponseEnvelope } from './envelope.js';
import { beginUnknownValues, collectUnknownValues, endUnknownValues, type UnknownValue } from './common.js';
import { EventRecord, type EventRecord as EventRecordType } from './messaging.js';
import { changeCodecs, ChangesContainer, notificationCodecs, type DecodeIssues, type KnownNotification, type Notification } from './notifications.js';
import { canonicalRequestType, requestDefinitions, type RequestBody, type RequestType } from './requests.js';

/** A response, correlated by `reqId`; its body is decoded by whoever sent the request. */
export interface Response {
  kind: 'resp';
  reqId: string;
  code: number;
  type: string;
  body: unknown;
}

/** A request as the server sees it, its type made canonical and its body decoded. */
export type Request = {
  [K in RequestType]: {
    kind: 'req';
    id: string;
    type: K;
    /** The type exactly as it was sent (may be a short alias). */
    sentType: string;
    body: RequestBody<K>;
    metadata?: ReadonlyArray<{ type: string }>;
    headers?: ReadonlyArray<{ type: string }>;
  };
}[RequestType];

/** Anything a client receives: a response or a notification. */
export type Frame = Response | Notification;

/** Options of {@link decodeFrame}. */
export interface DecodeOptions {
  /** Frames longer than this many characters are refused as `oversize` (default 8 Mi). */
  maxFrameLength?: number;
}

/** Default cap on a frame's length, in characters. */
export const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;

/**
 * Decodes one text frame received from the server. Never throws: malformed JSON, an unknown
 * envelope, a body that fails its codec, or an oversize frame give a `DecodeError` naming the path
 * that failed (values are never echoed). Unknown notification types pass through as
 * `UnknownNotification`. Extra fields the codecs do not name are kept.
 *
 * @example
 * const r = decodeFrame('{"kind":"notification","type":".ams.routing.RingUpdated","body":{}}');
 * if (isRight(r) && r.right.kind === 'notification') console.log(r.right.type);
 */
export function decodeFrame(text: string, options: DecodeOptions = {}): Either<DecodeError, Frame> {
  const frame = readFrame(text, options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH);
  return frame instanceof DecodeError ? left(frame) : right(frame);
}

/**
 * {@link decodeFrame} without the Either, for the agent's hot path: the frame, or the
 * `DecodeError` that refused it. Never throws.
 *
 * @example
 * const frame = readFrame(text, DEFAULT_MAX_FRAME_LENGTH);
 * if (frame instanceof DecodeError) report(frame); else route(frame);
 */
export function readFrame(text: string, maxFrameLength: number): Frame | DecodeError {
  const value = parseText(text, maxFrameLength);
  if (value instanceof DecodeError) return value;
  const kind = isRecord(value) ? value['kind'] : undefined;
  if (kind === 'notification') return readNotification(value);
  if (kind === 'resp') {
    const env = check(ResponseEnvelope, value);
    if (isLeft(env)) return schemaError('response envelope', env.left, undefined, 'envelope');
    const r = env.right;
    return { kind: 'resp', reqId: String(r.reqId), code: r.code, type: r.type ?? '', body: r.body };
  }
  return new DecodeError(describeKindError(kind), 'envelope', 'kind');
}

/** The codec of each known notification type, one lookup away. */
const codecOfType = new Map<string, Checkable<unknown>>(Object.entries(notificationCodecs));

function readNotification(value: unknown): Notification | DecodeError {
  // Guards first, no Either: this is the hot path (see `check`).
  if (!NotificationEnvelope.is(value)) {
    const env = NotificationEnvelope.decode(value);
    return isLeft(env) ? schemaError('notification envelope', env.left, undefined, 'envelope') : new DecodeError('notification envelope is not valid', 'envelope');
  }
  const { type, body } = value;
  const codec = codecOfType.get(type);
  if (codec === undefined) return { kind: 'notification', known: false, type, body };
  beginUnknownValues();
  let valid: boolean;
  let unknownValues: UnknownValue[] | undefined;
  try {
    valid = codec.is(body);
  } finally {
    unknownValues = endUnknownValues();
  }
  if (valid) {
    // The codec table guarantees the body matches the type; TypeScript cannot correlate the two.
    const notification = { kind: 'notification', known: true, type, body } as KnownNotification;
    if (unknownValues) notification.unknownValues = unknownValues;
    return notification;
  }
  if (!(type in changeCodecs)) {
    const decoded = codec.decode(body);
    return isLeft(decoded) ? schemaError(type, decoded.left, 'body') : new DecodeError(`${type}: body is not valid`, 'schema', 'body', type);
  }
  return decodeChanges(type as keyof typeof changeCodecs, body);
}

/**
 * A body with many changes that failed as a whole: each change decoded on its own. A change that
 * fails is one `DecodeError` naming its index; the others are delivered.
 */
function decodeChanges(type: keyof typeof changeCodecs, body: unknown): Notification | DecodeError {
  const container = check(ChangesContainer, body);
  if (isLeft(container)) return schemaError(type, container.left, 'body');
  const item: Checkable<unknown> = changeCodecs[type];
  const changes: unknown[] = [];
  const problems: DecodeError[] = [];
  const [, unknownValues] = collectUnknownValues(() =>
    container.right.changes.forEach((change, i) => {
      const decoded = check(item, change);
      if (isRight(decoded)) changes.push(decoded.right);
      else problems.push(schemaError(type, decoded.left, `body.changes[${i}]`));
    }),
  );
  const decodedBody = { ...container.right, changes };
  const issues: DecodeIssues = { problems, ...(unknownValues.length > 0 ? { unknownValues } : {}) };
  // Each change passed its codec, so the body is the type's: TypeScript cannot correlate the two.
  return { kind: 'notification', known: true, type, body: decodedBody, ...issues } as KnownNotification;
}

/**
 * The records of a QueryMessages answer, one at a time: a record that fails is one `DecodeError`
 * naming its index; the others are kept.
 *
 * @example
 * const { records, problems } = decodeEventRecords(response.body, response.reqId);
 */
export function decodeEventRecords(
  body: unknown,
  reqId?: string,
): { records: EventRecordType[]; problems: DecodeError[]; unknownValues: UnknownValue[] } {
  const what = '.ams.ms.QueryMessages response';
  if (!Array.isArray(body)) {
    return { records: [], problems: [new DecodeError(`${what}: body is not an array of records`, 'schema', 'body', undefined, reqId)], unknownValues: [] };
  }
  const records: EventRecordType[] = [];
  const problems: DecodeError[] = [];
  const [, unknownValues] = collectUnknownValues(() =>
    body.forEach((record: unknown, i) => {
      const decoded = check(EventRecord, record);
      if (isRight(decoded)) records.push(decoded.right);
      else problems.push(schemaError(what, decoded.left, `body[${i}]`, 'schema', reqId));
    }),
  );
  return { records, problems, unknownValues };
}

/**
 * Decodes a request frame as the server receives it (used by the emulator). Accepts the long
 * `.ams.*` names and the short aliases. An unknown type or a bad body gives a `DecodeError` that
 * carries the request id when it could be read, so the server can answer it.
 *
 * @example
 * decodeRequest('{"kind":"req","id":"1","type":"GetClock","body":{}}'); // right({type: '.GetClock', ...})
 */
export function decodeRequest(text: string, options: DecodeOptions = {}): Either<DecodeError, Request> {
  const parsed = parseText(text, options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH);
  if (parsed instanceof DecodeError) return left(parsed);
  const env = check(RequestEnvelope, parsed);
  if (isLeft(env)) return left(schemaError('request envelope', env.left, undefined, 'envelope'));
  const { id, type: sentType, body, metadata, headers } = env.right;
  const reqId = String(id);
  const type = canonicalRequestType(sentType);
  if (!type) return left(new DecodeError(`unknown request type ${quote(sentType)}`, 'schema', 'type', sentType, reqId));
  const codec: Checkable<unknown> = requestDefinitions[type].body;
  const decoded = check(codec, body ?? {});
  if (isLeft(decoded)) return left(schemaError(type, decoded.left, 'body', 'schema', reqId));
  const request = { kind: 'req', id: reqId, type, sentType, body: decoded.right, metadata, headers };
  // As above: the definition table ties `body` to `type`.
  return right(request as Request);
}

/**
 * Decodes a value with a codec, turning failures into a `DecodeError` that names the failing path.
 * Used for response bodies, HTTP bodies and anything else crossing an I/O boundary.
 *
 * @example
 * decodeWith(ClockResponse, body, '.GetClock$Response'); // Either<DecodeError, {currentTime}>
 */
export function decodeWith<A>(
  codec: Checkable<A>,
  value: unknown,
  what: string,
  root = 'body',
  reqId?: string,
): Either<DecodeError, A> {
  const decoded = check(codec, value);
  return isLeft(decoded) ? left(schemaError(what, decoded.left, root, 'schema', reqId)) : decoded;
}

/**
 * The guard first: no codec of the protocol transforms its input, so a value that passes `is`
 * decodes to itself. Only a failing value pays for io-ts's context bookkeeping (10x the cost),
 * which is what builds the error's path.
 */
function check<A>(codec: Checkable<A>, value: unknown): t.Validation<A> {
  // `is` holding means `decode` would return this very value.
  return codec.is(value) ? right(value as A) : codec.decode(value);
}

/** What `check` needs of a codec: its guard and its decoder. */
export interface Checkable<A> {
  /** True when `u` is already an `A` (fast path, no decoding). */
  is(u: unknown): boolean;
  /** Decodes `u`, with the failing paths on the left. */
  decode(u: unknown): t.Validation<A>;
}

/**
 * The parsed JSON of a frame, or the `DecodeError` that refused it (oversize or not JSON). A parsed
 * value is never a `DecodeError`, so `instanceof` tells the two apart without an Either.
 */
function parseText(text: string, maxFrameLength: number): unknown {
  if (text.length > maxFrameLength) return new DecodeError(`frame of ${text.length} characters exceeds the limit of ${maxFrameLength}`, 'oversize');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    return jsonError(e);
  }
}

function jsonError(e: unknown): DecodeError {
  // SyntaxError messages quote part of the input in recent engines; report only the position.
  const at = e instanceof Error ? /position (\d+)/.exec(e.message)?.[1] : undefined;
  return new DecodeError(`frame is not valid JSON${at ? ` (at position ${at})` : ''}`, 'json');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeKindError(kind: unknown): string {
  if (kind === undefined) return 'frame has no "kind" (expected "resp" or "notification")';
  // Only the envelope kinds are named; every other value is the sender's data and is not echoed.
  const named = kind === 'req' ? ' "req"' : typeof kind === 'string' ? '' : ` of type ${kind === null ? 'null' : typeof kind}`;
  return `frame kind${named} is not "resp" or "notification"`;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

const transparent = new Set(['UnionType', 'IntersectionType', 'RefinementType', 'ReadonlyType', 'ExactType']);

function tagOf(type: t.Decoder<unknown, unknown>): string | undefined {
  const tag: unknown = (type as { _tag?: unknown })._tag;
  return typeof tag === 'string' ? tag : undefined;
}

/** The readable path of one io-ts failure: object keys and array indexes, union branches skipped. */
export function pathOf(context: t.Context, root?: string): string {
  let path = root ?? '';
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1];
    const entry = context[i];
    if (!parent || !entry) continue;
    const tag = tagOf(parent.type);
    if (tag && transparent.has(tag)) continue;
    path += tag === 'ArrayType' ? `[${entry.key}]` : path ? `.${entry.key}` : entry.key;
  }
  return path;
}

function describeExpected(type: t.Decoder<unknown, unknown> | undefined): string {
  if (!type) return 'a valid value';
  const keys: unknown = (type as { keys?: unknown }).keys;
  if (tagOf(type) === 'KeyofType' && typeof keys === 'object' && keys !== null) {
    return `one of ${Object.keys(keys).map((k) => JSON.stringify(k)).join(' | ')}`;
  }
  // An open enum takes any string; only a non-string fails it.
  if ((type as { known?: unknown }).known instanceof Set) return `a string (${type.name})`;
  return `a valid ${type.name}`;
}

function schemaError(
  what: string,
  errors: t.Errors,
  root?: string,
  reason: 'schema' | 'envelope' = 'schema',
  reqId?: string,
): DecodeError {
  // For unions io-ts lists every branch; a branch whose discriminator failed is not the one meant.
  // Among the rest the deepest failure is the most telling.
  const { plausible, refused } = rankUnionFailures(errors);
  let best: t.ValidationError | undefined;
  for (const e of plausible) if (!best || e.context.length > best.context.length) best = e;
  const context = refused ?? best?.context ?? [];
  const path = pathOf(context, root);
  const expected = describeExpected(context[context.length - 1]?.type);
  const others = new Set(plausible.map((e) => pathOf(e.context, root))).size - 1;
  const message =
    `${what}: ${path || 'value'} is not ${expected}` + (others > 0 ? ` (and ${others} other path${others > 1 ? 's' : ''})` : '');
  return new DecodeError(message, reason, path || undefined, what.startsWith('.') ? what : undefined, reqId);
}

/**
 * Splits failures into the plausible ones and those inside union branches ruled out at first
 * sight: the member refused the value as a whole (not an object, not an array, no tag matched), or
 * a literal field of an untagged union's member (its discriminator, e.g. `type`) failed. When
 * nothing plausible is left, `refused` is the context of the deepest union whose every branch was
 * ruled out: the value matched none of its shapes.
 */
function rankUnionFailures(errors: t.Errors): { plausible: t.Errors; refused?: t.Context } {
  const mismatched = new Set<string>();
  const unions = new Map<string, { context: t.Context; members: number }>();
  for (const e of errors) {
    const branch = innermostBranch(e.context);
    if (branch === undefined) continue;
    const union = e.context[branch - 1];
    const last = e.context[e.context.length - 1];
    if (!union || !last) continue;
    const leaf = tagOf(last.type);
    const depth = e.context.length - 1 - branch - transparentBelow(e.context, branch);
    const discriminated = depth === 0 || (depth === 1 && leaf === 'LiteralType' && !isTagged(union.type));
    if (!discriminated) continue;
    mismatched.add(keyOf(e.context, branch));
    const members = (union.type as { types?: unknown }).types;
    if (Array.isArray(members)) unions.set(keyOf(e.context, branch - 1), { context: e.context.slice(0, branch), members: members.length });
  }
  const plausible = errors.filter((e) => !branchesOf(e.context).some((i) => mismatched.has(keyOf(e.context, i))));
  if (plausible.length > 0) return { plausible };
  let refused: t.Context | undefined;
  for (const [key, union] of unions) {
    let ruledOut = 0;
    for (let i = 0; i < union.members; i++) if (mismatched.has(`${key}\u0000${i}`)) ruledOut++;
    if (ruledOut === union.members && (!refused || union.context.length > refused.length)) refused = union.context;
  }
  return { plausible: refused ? [] : errors, refused };
}

/** Indexes of the context entries that are members of a union. */
function branchesOf(context: t.Context): number[] {
  const branches: number[] = [];
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1];
    if (parent && tagOf(parent.type) === 'UnionType') branches.push(i);
  }
  return branches;
}

function innermostBranch(context: t.Context): number | undefined {
  return branchesOf(context).pop();
}

/** How many entries below `index` only wrap their child (intersections, refinements), adding no path segment. */
function transparentBelow(context: t.Context, index: number): number {
  let n = 0;
  for (const entry of context.slice(index, -1)) {
    const tag = tagOf(entry.type);
    if (tag && transparent.has(tag)) n++;
  }
  return n;
}

function isTagged(type: t.Decoder<unknown, unknown>): boolean {
  return typeof (type as { tag?: unknown }).tag === 'string';
}

function keyOf(context: t.Context, index: number): string {
  return context
    .slice(0, index + 1)
    .map((c) => c.key)
    .join('\u0000');
}
