import * as t from 'io-ts';
import { structGuard } from './guard.js';

/** Builds a literal-union codec from names; `t.keyof` checks membership with one lookup. */
export function literals<K extends string>(name: string, ...values: readonly K[]): t.KeyofC<Record<K, null>> {
  const keys = {} as Record<K, null>;
  for (const v of values) keys[v] = null;
  return t.keyof(keys, name);
}

/**
 * A value of an open enum: one of the known literals, or any other string LivePerson adds later.
 * Editors still complete the known ones.
 *
 * @example
 * const t: Open<'NORMAL' | 'URGENT'> = 'SOMETHING_NEW'; // allowed
 */
export type Open<K extends string> = K | (string & {});

/**
 * A value an open enum did not know, reported once per decode.
 *
 * @example
 * const u: UnknownValue = { enumName: 'TtrType', value: 'VIP' };
 */
export interface UnknownValue {
  /** The enum's name, e.g. `TtrType`. */
  readonly enumName: string;
  readonly value: string;
}

/**
 * Where open enums report unknown values while a frame is decoded: set only for the duration of one
 * synchronous decode (see `collectUnknownValues`), so nothing outlives a call or leaks between
 * agents. The list is allocated only when a value is unknown: the hot path allocates nothing.
 */
let collecting = false;
let found: UnknownValue[] | undefined;

/**
 * Runs `decode` and returns, beside its result, every unknown enum value the open enums saw.
 *
 * @example
 * const [result, unknown] = collectUnknownValues(() => codec.is(value));
 */
export function collectUnknownValues<T>(decode: () => T): [T, UnknownValue[]] {
  const outer = [collecting, found] as const;
  collecting = true;
  found = undefined;
  try {
    const result = decode();
    return [result, found ?? []];
  } finally {
    [collecting, found] = outer;
  }
}

/**
 * The fast form of {@link collectUnknownValues} for the decoder's hot path: `begin`, decode, then
 * `end` returns what was seen (undefined when nothing). Not reentrant.
 *
 * @example
 * beginUnknownValues(); const ok = codec.is(body); const unknown = endUnknownValues();
 */
export function beginUnknownValues(): void {
  collecting = true;
  found = undefined;
}

/**
 * Ends a {@link beginUnknownValues} decode; the unknown values seen, or undefined.
 *
 * @example
 * beginUnknownValues(); Role.is('OBSERVER'); endUnknownValues(); // [{ enumName: 'Role', value: 'OBSERVER' }]
 */
export function endUnknownValues(): UnknownValue[] | undefined {
  const seen = found;
  collecting = false;
  found = undefined;
  return seen;
}

/**
 * Reports a value this version does not know to the decode in progress (if any); always true, so a
 * guard can end with it.
 *
 * @example
 * return known.has(u) || reportUnknown('TtrType', u);
 */
export function reportUnknown(enumName: string, value: string): true {
  if (collecting) (found ??= []).push({ enumName, value });
  return true;
}

/**
 * An open enum codec: its known values, and any other string.
 *
 * @example
 * Role.known.has('CONSUMER'); // true
 * Role.closed.is('OBSERVER'); // false: what a request may say
 */
export interface OpenEnumC<K extends string> extends t.Type<Open<K>, string, unknown> {
  readonly known: ReadonlySet<string>;
  /** The same values as a closed union: for what a request may say (the server refuses others). */
  readonly closed: t.KeyofC<Record<K, null>>;
}

/**
 * An open enum: the known literals plus any other string. An unknown value decodes (nothing is
 * dropped) and is reported to `collectUnknownValues`, so the agent can warn once per value.
 *
 * @example
 * const TtrType = openLiterals('TtrType', 'CUSTOM', 'NORMAL');
 * TtrType.is(''); // true, reported as unknown
 */
export function openLiterals<K extends string>(name: string, ...values: readonly K[]): OpenEnumC<K> {
  const known = new Set<string>(values);
  const is = (u: unknown): u is Open<K> => {
    if (typeof u !== 'string') return false;
    return known.has(u) || reportUnknown(name, u);
  };
  const codec = new t.Type<Open<K>, string, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), (a) => a);
  return Object.assign(codec, { known, closed: literals(name, ...values) });
}

/** The static type of a {@link struct}: `{a: A; b?: B}` for required `a` and optional `b`. */
export type StructOf<R extends t.Props, O extends t.Props> = t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<O>>;

/** A {@link struct} codec; `props` holds every field's codec, required and optional. */
export interface StructC<R extends t.Props, O extends t.Props> extends t.Type<StructOf<R, O>, StructOf<R, O>, unknown> {
  readonly _tag: 'InterfaceType';
  readonly props: R & O;
}

/**
 * A field that may be absent (or `undefined`): one check, no failed attempt on the way, so a
 * missing optional field costs nothing. Failures report the inner codec, so messages stay precise.
 */
function optional<C extends t.Mixed>(codec: C): C {
  const wrapper: t.Type<t.TypeOf<C>, t.OutputOf<C>, unknown> = new t.Type(
    codec.name,
    (u): u is t.TypeOf<C> => u === undefined || codec.is(u),
    (u, c) => {
      if (u === undefined) return t.success(u);
      const result = codec.validate(u, c);
      if (result._tag === 'Right') return result;
      return t.failures(
        result.left.map((e) => ({ ...e, context: e.context.map((entry) => (entry.type === wrapper ? { ...entry, type: codec } : entry)) })),
      );
    },
    codec.encode,
  );
  // Same static type as the codec it wraps; only absence is accepted on top.
  return wrapper as unknown as C;
}

/**
 * A codec of required fields plus optional ones, the io-ts idiom for `{a: A; b?: B}`, checked in
 * one pass. (`t.intersection([t.type, t.partial])` validates twice and merges the results: on the
 * hot path that cost as much as `JSON.parse`.) It is an `InterfaceType`, so unions of structs
 * with a literal field are still dispatched on that field by io-ts.
 *
 * @example
 * const Ring = struct('Ring', { ringId: t.string }, { weight: t.number });
 * Ring.is({ ringId: 'r' }); // true
 */
export function struct<R extends t.Props, O extends t.Props>(name: string, required: R, optional_: O): StructC<R, O> {
  const props: t.Props = { ...required };
  for (const [key, codec] of Object.entries(optional_)) props[key] = optional(codec);
  const all = t.type(props, name);
  // The guard, written for this shape (see structGuard): required fields first, then optional ones
  // checked against their inner codec only when present.
  const fields = [
    ...Object.entries(required).map(([key, codec]) => ({ key, codec, optional: false })),
    ...Object.entries(optional_).map(([key, codec]) => ({ key, codec, optional: true })),
  ];
  const is = structGuard(fields) as (u: unknown) => u is StructOf<R, O>;
  // At run time an InterfaceType over all fields; statically `{required} & {optional?}`.
  return new t.InterfaceType(name, is, all.validate, all.encode, props) as unknown as StructC<R, O>;
}

/** `{type: string, ...}`: the typed objects used in `headers` and `metadata`. */
export const TypedObject = t.type({ type: t.string }, 'TypedObject');
export type TypedObject = t.TypeOf<typeof TypedObject> & Record<string, unknown>;

/** UPSERT or DELETE: the change types of every subscription notification. */
export const ChangeType = openLiterals('ChangeType', 'UPSERT', 'DELETE');
export type ChangeType = t.TypeOf<typeof ChangeType>;

/** A subscription response: `{subscriptionId}` (LivePerson's docs also show the typo `subScriptionId`). */
export const SubscriptionResponse = t.partial({ subscriptionId: t.string, subScriptionId: t.string }, 'SubscriptionResponse');
export type SubscriptionResponse = t.TypeOf<typeof SubscriptionResponse>;

/** Responses whose body is a plain status string, e.g. "Ring state updated successfully". */
export const StringResponse = t.union([t.string, t.undefined, t.null, t.UnknownRecord], 'StringResponse');
export type StringResponse = t.TypeOf<typeof StringResponse>;

/** An empty request body. */
export const EmptyBody = t.union([t.UnknownRecord, t.undefined], 'EmptyBody');
export type EmptyBody = t.TypeOf<typeof EmptyBody>;
