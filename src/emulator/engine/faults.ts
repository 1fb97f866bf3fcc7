import type { RequestType } from '../../protocol/index.js';
import type { Random } from './random.js';

/**
 * The faults `faults.random` can pick: a request's response is dropped or delayed (1-100 ms), its
 * socket is dropped (1006), or an event frame is sent twice.
 *
 * @example
 * emulator.faults.random({ rate: 0.05, kinds: ['dropResponse', 'duplicateEvent'] });
 */
export type RandomFaultKind = 'dropResponse' | 'delayResponse' | 'dropConnection' | 'duplicateEvent';

/**
 * What happens to the next request of a type, once (`faults.failNext`):
 * - `noAnswer`: no effect and no response;
 * - `loseResponse`: the request takes effect, its response is lost;
 * - `status`: answered with this error code (a 5xx, a 429...) and no effect;
 * - `late`: the request takes effect at once, its response (and what it caused for that socket) comes `ms` later;
 * - `dropConnection`: the socket drops (1006) before the request takes effect;
 * - `dropAfterEffect`: the request takes effect, then the socket drops (1006) before the response.
 *
 * @example
 * emulator.faults.failNext('PublishEvent', { kind: 'dropAfterEffect' });
 * emulator.faults.failNext('*', { kind: 'status', code: 503 });
 */
export type NextFault =
  | { readonly kind: 'noAnswer' }
  | { readonly kind: 'loseResponse' }
  | { readonly kind: 'status'; readonly code: number; readonly message?: string }
  | { readonly kind: 'late'; readonly ms: number }
  | { readonly kind: 'dropConnection' }
  | { readonly kind: 'dropAfterEffect' };

/**
 * What `faults.random` injects: each request or event draws from `random`; with probability
 * `rate` one of `kinds` happens to it.
 *
 * @example
 * const randomFaults: RandomFaults = { rate: 0.1, kinds: ['dropResponse'], random: createRandom(seed) };
 */
export interface RandomFaults {
  readonly rate: number;
  readonly kinds: readonly RandomFaultKind[];
  readonly random: Random;
}

/**
 * The faults that change what the engine sends; toggled by `emulator.faults`.
 *
 * @example
 * const faults: FaultState = { dropped: new Set(), omitLastContent: false, duplicateEvents: false };
 */
export interface FaultState {
  readonly dropped: Set<RequestType | '*'>;
  omitLastContent: boolean;
  duplicateEvents: boolean;
  /** Response delays in ms by request type (or `'*'`). */
  delays?: Map<RequestType | '*', number>;
  /** OnlineEventDistribution frames reach each socket in swapped pairs. */
  reorderEvents?: boolean;
  /** Random faults drawn from a PRNG seeded by the emulator's seed. */
  random?: RandomFaults;
  /** The server stops answering altogether: no responses and no pongs to pings. */
  silent?: boolean;
  /** Requests over this rate, per socket, are answered 429 (LivePerson's answer to bursts). */
  rateLimit?: { readonly perSecond: number; readonly burst: number };
  /** One-shot faults by request type (or `'*'`), each taken by the next matching request, in order. */
  next?: Map<RequestType | '*', NextFault[]>;
}

/**
 * The random fault (if any) that hits the next request or event; draws only when random faults are on.
 *
 * @example
 * if (drawFault(core.faults, ['dropResponse']) === 'dropResponse') return;
 */
export function drawFault(faults: FaultState, eligible: readonly RandomFaultKind[]): RandomFaultKind | undefined {
  const config = faults.random;
  if (!config) return undefined;
  const kinds = config.kinds.filter((k) => eligible.includes(k));
  if (kinds.length === 0 || config.random.next() >= config.rate) return undefined;
  return kinds[config.random.int(kinds.length)];
}

/**
 * Takes the one-shot fault queued for this request type (before one queued for `'*'`), if any.
 *
 * @example
 * const fault = takeNextFault(core.faults, request.type);
 */
export function takeNextFault(faults: FaultState, type: RequestType): NextFault | undefined {
  const next = faults.next;
  if (!next) return undefined;
  for (const key of [type, '*'] as const) {
    const queue = next.get(key);
    const fault = queue?.shift();
    if (queue?.length === 0) next.delete(key);
    if (fault) return fault;
  }
  return undefined;
}
