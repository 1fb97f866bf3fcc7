import * as t from 'io-ts';

/**
 * One field a struct's guard checks: its key, its codec, and whether it may be absent.
 *
 * @example
 * const field: GuardField = { key: 'dialogId', codec: t.string, optional: false };
 */
export interface GuardField {
  readonly key: string;
  readonly codec: t.Mixed;
  readonly optional: boolean;
}

/**
 * How a struct's guard runs: `compiled` is one function generated for the struct (a property read
 * per field, each codec called from a call site of its own); `loop` walks the fields in a shared
 * loop. Both accept exactly the values io-ts's own guard accepts (absent optional fields aside).
 *
 * @example
 * const is = structGuard(fields, 'loop');
 */
export type GuardStrategy = 'compiled' | 'loop';

/** Whether this runtime lets us generate code (a Content-Security-Policy without 'unsafe-eval' does not). */
let codegen: boolean | undefined;

/**
 * The guard of a struct: true when `u` is a plain object whose fields pass their codecs, optional
 * ones only when present. `compiled` (the default) is the decoder's hot path: generic code that reads
 * a different key on every turn and calls every codec from one place runs several times slower than
 * code written for one shape. Where code cannot be generated, the loop is used instead.
 *
 * @example
 * const is = structGuard([{ key: 'id', codec: t.string, optional: false }]);
 * is({ id: 'x' }); // true
 */
export function structGuard(fields: readonly GuardField[], strategy: GuardStrategy = 'compiled'): (u: unknown) => boolean {
  if (strategy === 'compiled' && codegen !== false) {
    const compiled = compile(fields);
    if (compiled) return compiled;
  }
  return loopGuard(fields);
}

/** `typeof` names of the primitive codecs, whose check is written in place. */
function primitiveOf(codec: t.Mixed): 'string' | 'number' | 'boolean' | undefined {
  if (codec === t.string) return 'string';
  if (codec === t.number) return 'number';
  if (codec === t.boolean) return 'boolean';
  return undefined;
}

function literalOf(codec: t.Mixed): string | number | boolean | undefined {
  if (!(codec instanceof t.LiteralType)) return undefined;
  const value: unknown = codec.value;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}

/**
 * The statements that return false when `v` fails `codec`. Names come from our own codec tables,
 * and every key or literal is written with JSON.stringify, so no input reaches the generated source.
 */
function checkOf(codec: t.Mixed, codecs: t.Mixed[]): string {
  if (codec instanceof t.ArrayType) {
    const item = primitiveOf(codec.type as t.Mixed);
    if (item) return `if (!Array.isArray(v)) return false; for (let i = 0; i < v.length; i++) if (typeof v[i] !== "${item}") return false;`;
  }
  const test = testOf(codec, codecs);
  return test === 'true' ? '' : `if (!(${test})) return false;`;
}

/**
 * An expression true when `v` passes `codec`. A union becomes its members' tests joined with `||`
 * (nested unions flattened), so each member is called from a call site of its own instead of
 * io-ts's shared `some` callback.
 */
function testOf(codec: t.Mixed, codecs: t.Mixed[]): string {
  const kind = primitiveOf(codec);
  if (kind) return `typeof v === "${kind}"`;
  const literal = literalOf(codec);
  if (literal !== undefined) return `v === ${JSON.stringify(literal)}`;
  if (codec === t.unknown) return 'true';
  if (codec instanceof t.UnionType) {
    const members = (codec.types as t.Mixed[]).map((member) => testOf(member, codecs));
    return members.includes('true') ? 'true' : members.join(' || ');
  }
  codecs.push(codec);
  return `c${codecs.length - 1}.is(v)`;
}

function compile(fields: readonly GuardField[]): ((u: unknown) => boolean) | undefined {
  const codecs: t.Mixed[] = [];
  const lines = ['if (typeof u !== "object" || u === null || Array.isArray(u)) return false;', 'let v;'];
  for (const field of fields) {
    const check = checkOf(field.codec, codecs);
    if (!check) continue; // t.unknown: nothing to check
    lines.push(`v = u[${JSON.stringify(field.key)}];`, field.optional ? `if (v !== undefined) { ${check} }` : check);
  }
  lines.push('return true;');
  const params = codecs.map((_, i) => `c${i}`);
  try {
    // The source is built only from our codec definitions (see checkOf).
    const factory = new Function(...params, `return function guard(u) {\n${lines.join('\n')}\n};`) as (...c: t.Mixed[]) => (u: unknown) => boolean;
    codegen = true;
    return factory(...codecs);
  } catch {
    // EvalError under a strict Content-Security-Policy: remember, and use the loop from now on.
    codegen = false;
    return undefined;
  }
}

/** The guard without generated code: one loop over the fields, primitives checked with `typeof` in place. */
function loopGuard(fields: readonly GuardField[]): (u: unknown) => boolean {
  const keys = fields.map((f) => f.key);
  const codecs = fields.map((f) => f.codec);
  const kinds = codecs.map(primitiveOf);
  const optional = fields.map((f) => f.optional);
  return (u) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return false;
    const record = u as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const value = record[keys[i] as string];
      if (value === undefined && optional[i]) continue;
      const kind = kinds[i];
      if (kind !== undefined ? typeof value !== kind : !(codecs[i] as t.Mixed).is(value)) return false;
    }
    return true;
  };
}
