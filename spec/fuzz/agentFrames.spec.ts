import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { firstValueFrom, type Subscription } from 'rxjs';
import { createAgent, type Agent, type AgentError, type ConnectionState, type MessagingEvent } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { decodeFrame } from '../../src/protocol/index';
import { contentEventFrame } from '../../src/testing/frameBuilders';
import { frameText, notificationFixtures } from '../../src/testing/fixtures/index';

// Fuzzing the agent through its real socket: fast-check builds sequences of frames (random text,
// random JSON, mutated fixture frames, oversize frames) interleaved with good consumer messages,
// the emulator injects them into a connected agent, and the agent must neither crash nor drop the
// good frames: each bad frame is exactly one DecodeError on errors$, every good one reaches
// messages$ in order, and the socket is never replaced.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = ReadonlyArray<string | number>;

/** Frames longer than this are refused by the agent as `oversize`. */
const MAX_FRAME = 4_096;
const RUNS = 30;
const FRAMES = 20;

/** What the agent receives: `ws` sends strings as UTF-8, so lone surrogates arrive as U+FFFD. */
const overTheWire = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/**
 * The classification the agent itself applies: how many DecodeErrors a frame is worth. A refused
 * frame is one; a notification delivered without its bad changes is one per bad change.
 */
const decodeErrorsOf = (text: string): number => {
  const r = decodeFrame(overTheWire(text), { maxFrameLength: MAX_FRAME });
  if (isLeft(r)) return 1;
  return r.right.kind === 'notification' && r.right.known ? (r.right.problems?.length ?? 0) : 0;
};

const fixtures: Json[] = Object.values(notificationFixtures).map((f) => JSON.parse(frameText(f)) as Json);

function children(value: Json): Array<[string | number, Json]> {
  if (Array.isArray(value)) return value.map((v, i): [number, Json] => [i, v]);
  if (value !== null && typeof value === 'object') return Object.entries(value);
  return [];
}

/** Every path inside `value`, the root excluded. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  return children(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path, ...pathsOf(child, path)];
  });
}

function at(value: Json, path: Path): Json {
  let node: Json = value;
  for (const key of path) node = (node as Record<string | number, Json>)[key] ?? null;
  return node;
}

/** The same value under another JSON type. */
function retype(value: Json): Json {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 1 : 'false';
  if (value === null) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  return Object.values(value);
}

type Mutation = { op: 'delete' } | { op: 'replace'; with: Json } | { op: 'retype' } | { op: 'truncate'; at: number };

/** A fixture frame with one node deleted, replaced or retyped, or its text cut short. */
function mutated(frame: Json, pick: number, mutation: Mutation): string {
  if (mutation.op === 'truncate') {
    const text = JSON.stringify(frame);
    return text.slice(0, mutation.at % text.length);
  }
  const copy = JSON.parse(JSON.stringify(frame)) as Json;
  const paths = pathsOf(copy);
  const path = paths[pick % paths.length] ?? [];
  const key = path[path.length - 1];
  if (key === undefined) return JSON.stringify(copy);
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const record = parent as Record<string | number, Json>;
  if (mutation.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete record[key];
  } else {
    record[key] = mutation.op === 'replace' ? mutation.with : retype(record[key] ?? null);
  }
  return JSON.stringify(copy);
}

const codeUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
const structural: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ op: 'delete' }),
  fc.constant<Mutation>({ op: 'retype' }),
  fc.jsonValue({ maxDepth: 2 }).map((v): Mutation => ({ op: 'replace', with: v as Json })),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(structural, fc.nat().map((n): Mutation => ({ op: 'truncate', at: n })));

/** A frame that may or may not decode: mostly bad, sometimes valid by accident. */
const badFrame: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.json({ maxDepth: 3 }),
  fc.record({ kind: fc.constantFrom('notification', 'resp', 'req', 'x'), type: fc.string(), body: fc.jsonValue({ maxDepth: 2 }) }).map((f) =>
    JSON.stringify(f),
  ),
  fc.tuple(fc.nat(fixtures.length - 1), fc.nat(), mutation).map(([i, pick, m]) => mutated(fixtures[i] ?? null, pick, m)),
  // Two mutations of one fixture, the second anywhere in what the first left.
  fc.tuple(fc.nat(fixtures.length - 1), fc.nat(), structural, fc.nat(), mutation).map(([i, p1, m1, p2, m2]) =>
    mutated(JSON.parse(mutated(fixtures[i] ?? null, p1, m1)) as Json, p2, m2),
  ),
  // Oversize: a valid-looking frame past the agent's limit.
  fc.nat(3).map((n) => frameText(contentEventFrame({ text: 'x'.repeat(MAX_FRAME * (n + 1)), dialogId: 'oversize', sequence: 1 }))),
);

type Item = { good: true } | { good: false; text: string };
const items: fc.Arbitrary<Item[]> = fc.array(
  fc.oneof({ weight: 1, arbitrary: fc.constant<Item>({ good: true }) }, { weight: 2, arbitrary: badFrame.map((text): Item => ({ good: false, text })) }),
  { minLength: FRAMES, maxLength: FRAMES },
);

describe('fuzzing the agent through its socket', () => {
  let emulator: Emulator;
  let agent: Agent;
  const subs: Subscription[] = [];
  const errors: AgentError[] = [];
  const messages: MessagingEvent[] = [];
  const states: ConnectionState['status'][] = [];
  const crashes: unknown[] = [];
  const onCrash = (e: unknown): void => {
    crashes.push(e);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    emulator = await startEmulator({ port: 0, seed: 21 });
    const creds = emulator.addAgent({ username: 'fuzz', password: 'pw' });
    agent = createAgent({ ...creds, keepAlive: 0, maxFrameLength: MAX_FRAME, reconnect: { initialInterval: 10, jitter: 0 } });
    subs.push(agent.errors$.subscribe((e) => errors.push(e)));
    subs.push(agent.messages$.subscribe((m) => messages.push(m)));
    await firstValueFrom(agent.connect());
    subs.push(agent.connection$.subscribe((s) => states.push(s.status)));
  });

  afterAll(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    agent.dispose();
    await emulator.close();
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  it('turns each bad frame into one DecodeError and still delivers every good frame in order', async () => {
    let run = 0;
    let refused = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(items, async (frames) => {
        const dialogId = `fuzz-dialog-${++run}`;
        const errorsBefore = errors.length;
        const messagesBefore = messages.length;
        const sent: string[] = [];
        let expectedDecodeErrors = 0;
        for (const item of frames) {
          if (item.good) {
            const text = `good ${sent.length + 1}`;
            sent.push(text);
            emulator.injectFrame(frameText(contentEventFrame({ text, dialogId, sequence: sent.length })));
          } else {
            const bad = decodeErrorsOf(item.text);
            if (bad > 0) expectedDecodeErrors += bad;
            else accepted++;
            emulator.injectFrame(item.text);
          }
        }
        refused += expectedDecodeErrors;
        // The response comes after every injected frame on the same socket.
        await firstValueFrom(agent.getClock());

        const newErrors = errors.slice(errorsBefore);
        expect(newErrors.filter((e) => e.kind !== 'DecodeError' && e.kind !== 'NormalizeWarning' && e.kind !== 'DecodeWarning').map((e) => e.message)).toEqual([]);
        expect(newErrors.filter((e) => e.kind === 'DecodeError')).toHaveLength(expectedDecodeErrors);
        const delivered = messages
          .slice(messagesBefore)
          .filter((m) => m.dialogId === dialogId)
          .map((m) => (m.type === 'ContentEvent' ? m.event.message : m.type));
        expect(delivered).toEqual(sent);
        expect(crashes).toEqual([]);
        expect(states).toEqual(['open']);
      }),
      { numRuns: RUNS, seed: 424242, endOnFailure: true },
    );
    expect(run).toBe(RUNS);
    // Both branches were exercised: frames refused, and mutations that happened to stay valid.
    expect(refused).toBeGreaterThan(RUNS * 5);
    expect(accepted).toBeGreaterThan(0);
    expect(errors.filter((e) => e.kind === 'DecodeError')).toHaveLength(refused);
  });
});
