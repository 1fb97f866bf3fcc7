import * as t from 'io-ts';

/** Builds a literal-union codec from names; `t.keyof` checks membership with one lookup. */
export function literals<K extends string>(name: string, ...values: readonly K[]): t.KeyofC<Record<K, null>> {
  const keys = {} as Record<K, null>;
  for (const v of values) keys[v] = null;
  return t.keyof(keys, name);
}

/** A codec that is required fields plus optional ones, the io-ts idiom for `{a: A; b?: B}`. */
export function struct<R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
): t.IntersectionC<[t.TypeC<R>, t.PartialC<O>]> {
  return t.intersection([t.type(required), t.partial(optional)], name);
}

/** `{type: string, ...}`: the typed objects used in `headers` and `metadata`. */
export const TypedObject = t.type({ type: t.string }, 'TypedObject');
export type TypedObject = t.TypeOf<typeof TypedObject> & Record<string, unknown>;

/** UPSERT or DELETE: the change types of every subscription notification. */
export const ChangeType = literals('ChangeType', 'UPSERT', 'DELETE');
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
