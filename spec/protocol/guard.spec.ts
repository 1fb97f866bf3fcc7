import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { structGuard, type GuardField } from '../../src/protocol/guard.js';
import { notificationCodecs, openLiterals, struct, type NotificationType } from '../../src/protocol/index.js';
import { validNotificationBodies, wire } from './fixtures.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// The decoder's guards are generated per struct (structGuard). They must accept exactly what
// io-ts's own validation accepts, and the loop they fall back to must agree with them.

const Nested = struct('Nested', { id: t.string }, { n: t.number });
const fields: GuardField[] = [
  { key: 'text', codec: t.string, optional: false },
  { key: 'count', codec: t.number, optional: false },
  { key: 'flag', codec: t.boolean, optional: true },
  { key: 'kind', codec: t.literal('ContentEvent'), optional: false },
  { key: 'seven', codec: t.literal(7), optional: true },
  { key: 'tags', codec: t.array(t.string), optional: true },
  { key: 'nested', codec: Nested, optional: true },
  { key: 'role', codec: openLiterals('Role', 'CONSUMER', 'AGENT'), optional: true },
  { key: 'items', codec: t.array(Nested), optional: true },
];
const valid = { text: 'hi', count: 1, flag: true, kind: 'ContentEvent', seven: 7, tags: ['a'], nested: { id: 'x', n: 2 }, role: 'AGENT', items: [{ id: 'y' }] };

/** What io-ts's own validation says of `u` for these fields (optional: absent or the codec). */
function ioTsAccepts(u: unknown): boolean {
  const required = t.type(Object.fromEntries(fields.filter((f) => !f.optional).map((f) => [f.key, f.codec])));
  const optional = t.partial(Object.fromEntries(fields.filter((f) => f.optional).map((f) => [f.key, f.codec])));
  return isRight(t.intersection([required, optional]).decode(u)) && typeof u === 'object' && u !== null && !Array.isArray(u);
}

/** A value of `valid`'s shape, each field kept, dropped, or replaced by arbitrary JSON. */
const shaped: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(...Object.keys(valid).map(() => fc.oneof(fc.constant('keep' as const), fc.constant('drop' as const), fc.jsonValue({ maxDepth: 2 }))))
  .map((choices) => {
    const out: Record<string, unknown> = {};
    Object.entries(valid).forEach(([key, value], i) => {
      const choice = choices[i];
      if (choice === 'keep') out[key] = value;
      else if (choice !== 'drop') out[key] = choice;
    });
    return out;
  });

describe('structGuard', () => {
  const compiled = structGuard(fields, 'compiled');
  const loop = structGuard(fields, 'loop');

  it('accepts a valid value and refuses non-objects', () => {
    for (const guard of [compiled, loop]) {
      expect(guard(valid)).toBe(true);
      expect([null, undefined, 'x', 1, [], [valid]].map(guard)).toEqual([false, false, false, false, false, false]);
    }
  });

  it('compiled and loop guards agree with io-ts on values of every shape', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, fc.jsonValue({ maxDepth: 3 })), (u) => {
        const expected = ioTsAccepts(u);
        return compiled(u) === expected && loop(u) === expected;
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses each field when it holds the wrong type', () => {
    const wrong: Record<string, unknown> = { text: 1, count: '1', flag: 'yes', kind: 'RichContentEvent', seven: 8, tags: ['a', 2], nested: { n: 2 }, role: 3, items: [{ id: 1 }] };
    for (const [key, value] of Object.entries(wrong)) {
      const u = { ...valid, [key]: value };
      expect([key, compiled(u), loop(u)]).toEqual([key, false, false]);
    }
  });

  it('treats keys that need escaping as plain keys, never as code', () => {
    const odd: GuardField[] = [
      { key: 'a"b', codec: t.string, optional: false },
      { key: "'];throw new Error('injected');//", codec: t.number, optional: false },
      { key: '\\\n\u2028', codec: t.literal('x"y'), optional: true },
    ];
    const guard = structGuard(odd, 'compiled');
    const value = { 'a"b': 's', "'];throw new Error('injected');//": 1, '\\\n\u2028': 'x"y' };
    expect(guard(value)).toBe(true);
    expect(guard({ ...value, 'a"b': 2 })).toBe(false);
    expect(guard({ ...value, '\\\n\u2028': 'x' })).toBe(false);
  });

  it('falls back to the loop, once, where code cannot be generated (a strict Content-Security-Policy)', () => {
    jest.isolateModules(() => {
      const refuse = jest.spyOn(globalThis, 'Function').mockImplementation(() => {
        throw new EvalError('Refused to evaluate a string as JavaScript');
      });
      try {
        // A fresh copy of the module: it has not tried to generate code yet.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../src/protocol/guard.js') as typeof import('../../src/protocol/guard.js');
        const first = fresh.structGuard(fields);
        const second = fresh.structGuard(fields);
        expect(refuse).toHaveBeenCalledTimes(1);
        fc.assert(
          fc.property(shaped, (u) => first(u) === ioTsAccepts(u) && second(u) === ioTsAccepts(u)),
          { numRuns: 300 },
        );
      } finally {
        refuse.mockRestore();
      }
    });
  });
});

describe('protocol codecs: the generated guards agree with io-ts validation', () => {
  /** Every path to a node inside `value`. */
  const pathsOf = (value: Json, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
    const children: Array<[string | number, Json]> = Array.isArray(value)
      ? value.map((v, i): [number, Json] => [i, v])
      : value !== null && typeof value === 'object'
        ? Object.entries(value)
        : [];
    return children.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
  };
  const types = Object.keys(notificationCodecs) as NotificationType[];
  const nodes = types.flatMap((type) => {
    const body = wire(validNotificationBodies[type]) as Json;
    return pathsOf(body).map((path) => ({ type, body, path }));
  });

  it('on every known notification body with one node dropped or replaced', () => {
    fc.assert(
      fc.property(fc.constantFrom(...nodes), fc.option(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, { nil: undefined }), ({ type, body, path }, replacement) => {
        const copy = wire(body);
        let parent = copy as Record<string | number, Json>;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
        const key = path[path.length - 1] as string | number;
        if (replacement === undefined) {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        } else parent[key] = replacement;
        const codec: t.Decoder<unknown, unknown> & { is: (u: unknown) => boolean } = notificationCodecs[type];
        return codec.is(copy) === isRight(codec.decode(copy));
      }),
      { numRuns: 3000 },
    );
  });
});
