import fc from 'fast-check';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { DecodeError, type DecodeFailure } from '../../src/domain/errors.js';
import {
  changeCodecs,
  ChangesContainer,
  decodeFrame,
  decodeRequest,
  notificationCodecs,
  requestDefinitions,
  requestTypes,
  type NotificationType,
} from '../../src/protocol/index.js';
import { notificationFrame, requestFrame, responseFrame, validNotificationBodies, validRequestBodies, wire } from './fixtures.js';

// Robustness of the decoders against whatever a socket may deliver: they never throw, refuse
// with a DecodeError, and agree with the codecs they are built from.

const RUNS = { numRuns: 500 };
const REASONS: readonly DecodeFailure[] = ['json', 'envelope', 'schema', 'oversize'];

const knownTypes = Object.keys(notificationCodecs) as NotificationType[];
const requestNames = requestTypes.flatMap((type) => [type, ...requestDefinitions[type].aliases]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = ReadonlyArray<string | number>;

/** True when the result is a value or a well-formed DecodeError; throws if decoding threw. */
function wellFormed<A>(result: Either<DecodeError, A>): boolean {
  if (isRight(result)) return true;
  const err = result.left;
  return err instanceof DecodeError && err.kind === 'DecodeError' && REASONS.includes(err.reason) && err.message.length > 0;
}

const codeUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

/** Every path to a value inside `value`, the root excluded. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  const children: Array<[string | number, Json]> = Array.isArray(value)
    ? value.map((v, i): [number, Json] => [i, v])
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path, ...pathsOf(child, path)];
  });
}

/** Paths to the plain objects inside `value`, the root included. */
function objectPathsOf(value: Json): Path[] {
  const isObject = (v: Json): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
  return [[], ...pathsOf(value)].filter((p) => isObject(at(value, p)));
}

function at(value: Json, path: Path): Json {
  let node: Json = value;
  for (const key of path) node = (node as Record<string | number, Json>)[key] ?? null;
  return node;
}

/** A copy of `value` with the node at `path` deleted (or `undefined`) or replaced. */
function mutate(value: Json, path: Path, replacement: Json | undefined): Json {
  const copy = wire(value);
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1];
  if (key === undefined) return copy;
  if (replacement !== undefined) (parent as Record<string | number, Json>)[key] = replacement;
  else if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return copy;
}

const validFrames: Json[] = [
  ...knownTypes.map((type) => wire(notificationFrame(type, validNotificationBodies[type])) as Json),
  wire(notificationFrame('.ams.cm.ConversationChangeNotification', { conversationId: 'c' })) as Json,
  wire(responseFrame('r-1', 200, '.GetClock$Response', { currentTime: 1 })) as Json,
  wire(responseFrame(7, 202, '.ReqBody$StringResp', 'Ring state updated successfully')) as Json,
];

const validRequests: Json[] = requestTypes.map((type) => wire(requestFrame(type, validRequestBodies[type])) as Json);

/** One of `frames` and the path to one of its nodes. */
function nodeOf(frames: readonly Json[]): fc.Arbitrary<{ frame: Json; path: Path }> {
  return fc.constantFrom(...frames.flatMap((frame) => pathsOf(frame).map((path) => ({ frame, path }))));
}

/** One of `frames` with one node deleted or replaced by arbitrary JSON. */
function mutated(frames: readonly Json[]): fc.Arbitrary<Json> {
  return fc
    .tuple(nodeOf(frames), fc.option(fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, { nil: undefined }))
    .map(([{ frame, path }, replacement]) => mutate(frame, path, replacement));
}

/** Whether a parsed notification body satisfies the codec of its type. */
function bodyIsValid(type: NotificationType, body: unknown): boolean {
  const codec: { is: (u: unknown) => boolean } = notificationCodecs[type];
  return codec.is(body);
}

describe('decodeFrame properties', () => {
  it('never throws on arbitrary text, always answering Left or Right', () => {
    fc.assert(
      fc.property(anyText, (text) => wellFormed(decodeFrame(text))),
      { numRuns: 1000 },
    );
  });

  it('never refuses well-formed JSON text as json', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = decodeFrame(JSON.stringify(value));
        return isRight(r) || r.left.reason !== 'json';
      }),
      RUNS,
    );
  });

  it('refuses every frame over maxFrameLength as oversize, whatever it holds', () => {
    fc.assert(
      fc.property(anyText, fc.nat(20), (text, max) => {
        const r = decodeFrame(text, { maxFrameLength: max });
        return text.length > max ? isLeft(r) && r.left.reason === 'oversize' : isRight(r) || r.left.reason !== 'oversize';
      }),
      RUNS,
    );
  });

  it('decodes a known notification with an arbitrary body exactly when its codec accepts the body, keeping it as sent', () => {
    fc.assert(
      fc.property(fc.constantFrom(...knownTypes), fc.jsonValue(), (type, body) => {
        const sent: unknown = JSON.parse(JSON.stringify({ body })).body;
        const r = decodeFrame(JSON.stringify(notificationFrame(type, body)));
        if (!wellFormed(r)) return false;
        if (isLeft(r)) return !bodyIsValid(type, sent) && r.left.reason === 'schema' && (r.left.path ?? '').startsWith('body');
        return bodyIsValid(type, sent) && r.right.kind === 'notification' && r.right.known && expectEqual(r.right.body, sent);
      }),
      RUNS,
    );
  });

  it('passes an unknown notification type through with any body', () => {
    fc.assert(
      fc.property(
        fc.string().filter((type) => !knownTypes.some((k) => k === type)),
        fc.jsonValue(),
        (type, body) => {
          const sent: unknown = JSON.parse(JSON.stringify({ body })).body;
          const r = decodeFrame(JSON.stringify(notificationFrame(type, body)));
          return isRight(r) && r.right.kind === 'notification' && !r.right.known && r.right.type === type && expectEqual(r.right.body, sent);
        },
      ),
      RUNS,
    );
  });

  it('decodes any response with a string or integer reqId and a numeric code, keeping its body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer()), fc.integer({ min: 100, max: 599 }), fc.string(), fc.jsonValue(), (reqId, code, type, body) => {
        const sent: unknown = JSON.parse(JSON.stringify({ body })).body;
        const r = decodeFrame(JSON.stringify(responseFrame(reqId, code, type, body)));
        return isRight(r) && r.right.kind === 'resp' && r.right.reqId === String(reqId) && r.right.code === code && expectEqual(r.right.body, sent);
      }),
      RUNS,
    );
  });

  it('never throws on a valid frame with one field deleted or replaced, and agrees with the codecs', () => {
    fc.assert(
      fc.property(mutated(validFrames), (frame) => {
        const r = decodeFrame(JSON.stringify(frame));
        if (!wellFormed(r)) return false;
        if (isLeft(r) && (r.left.reason === 'json' || r.left.reason === 'oversize')) return false;
        const f = frame as Record<string, Json>;
        const type = f['type'];
        if (f['kind'] === 'notification' && typeof type === 'string' && knownTypes.some((k) => k === type)) {
          const problems = isRight(r) ? ((r.right as { problems?: readonly unknown[] }).problems ?? []) : [];
          if (bodyIsValid(type as NotificationType, f['body'])) return isRight(r) && problems.length === 0;
          // A body with changes is delivered without the bad ones, each reported; any other bad body is refused.
          if (type in changeCodecs && ChangesContainer.is(f['body'])) return isRight(r) && problems.length > 0;
          return isLeft(r);
        }
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps fields the codecs do not name, wherever they are added', () => {
    const targets = validFrames.flatMap((frame) =>
      objectPathsOf(frame)
        .filter((p) => p.length > 0 && p[p.length - 1] !== 'numberOfunreadMessages')
        .map((path) => ({ frame, path })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...targets), fc.string(), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, ({ frame, path }, suffix, value) => {
        const sent = wire(mutate(frame, [...path, `futureField${suffix}`], value));
        const r = decodeFrame(JSON.stringify(sent));
        return isRight(r) && expectEqual(r.right.body, (sent as Record<string, Json>)['body']);
      }),
      RUNS,
    );
  });

  it('never echoes a secret put in place of any field', () => {
    fc.assert(
      fc.property(nodeOf(validFrames), fc.stringMatching(/^[A-Za-z0-9]{8,16}$/), ({ frame, path }, token) => {
        const secret = `Bearer-SECRET-${token}`;
        const r = decodeFrame(JSON.stringify(mutate(frame, path, secret)));
        return isRight(r) || !leaks(r.left, secret);
      }),
      RUNS,
    );
  });
});

describe('decodeRequest properties', () => {
  it('never throws on arbitrary text, always answering Left or Right', () => {
    fc.assert(
      fc.property(anyText, (text) => wellFormed(decodeRequest(text))),
      { numRuns: 1000 },
    );
  });

  it('decodes a request with an arbitrary body exactly when its codec accepts the body', () => {
    fc.assert(
      fc.property(fc.constantFrom(...requestNames), fc.option(fc.jsonValue(), { nil: undefined }), (name, body) => {
        const frame = { kind: 'req', id: 'p-1', type: name, body };
        const sent: unknown = (JSON.parse(JSON.stringify(frame)) as { body?: unknown }).body;
        const type = requestTypes.find((t) => t === name || requestDefinitions[t].aliases.includes(name));
        if (!type) return false;
        const codec: { is: (u: unknown) => boolean } = requestDefinitions[type].body;
        const r = decodeRequest(JSON.stringify(frame));
        if (!wellFormed(r)) return false;
        if (isLeft(r)) return !codec.is(sent ?? {}) && r.left.reason === 'schema' && r.left.reqId === 'p-1';
        return codec.is(sent ?? {}) && r.right.type === type && r.right.sentType === name && expectEqual(r.right.body, sent ?? {});
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any unknown request type with the request id', () => {
    fc.assert(
      fc.property(
        fc.string().filter((name) => !requestNames.includes(name)),
        fc.oneof(fc.string({ minLength: 1 }), fc.integer()),
        (name, id) => {
          const r = decodeRequest(JSON.stringify(requestFrame(name, {}, id)));
          return isLeft(r) && r.left.reason === 'schema' && r.left.path === 'type' && r.left.reqId === String(id);
        },
      ),
      RUNS,
    );
  });

  it('never throws on a valid request with one field deleted or replaced', () => {
    fc.assert(
      fc.property(mutated(validRequests), (frame) => {
        const r = decodeRequest(JSON.stringify(frame));
        return wellFormed(r) && (isRight(r) || r.left.reason === 'envelope' || r.left.reason === 'schema');
      }),
      { numRuns: 1000 },
    );
  });

  it('never echoes a secret put in place of a body or envelope field other than id and type', () => {
    fc.assert(
      fc.property(
        nodeOf(validRequests).filter(({ path }) => path[0] !== 'id' && path[0] !== 'type'),
        fc.stringMatching(/^[A-Za-z0-9]{8,16}$/),
        ({ frame, path }, token) => {
          const secret = `password-SECRET-${token}`;
          const r = decodeRequest(JSON.stringify(mutate(frame, path, secret)));
          return isRight(r) || !leaks(r.left, secret);
        },
      ),
      RUNS,
    );
  });
});

function leaks(err: DecodeError, secret: string): boolean {
  return [err.message, err.path ?? '', JSON.stringify(err), String(err)].some((text) => text.includes(secret));
}

function expectEqual(actual: unknown, expected: unknown): boolean {
  expect(actual).toEqual(expected);
  return true;
}
