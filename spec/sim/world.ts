/**
 * What one seed draws: a world of conversations, consumers writing and faults at any moment.
 * Swarm testing (Groce et al. 2012): each seed turns on a random subset of fault kinds and workload
 * features, at random rates, so some worlds are quiet around one fault and others are storms.
 */

/** A seeded PRNG (mulberry32): the simulator's one source of randomness. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Request types a fault can hit (the agent's own catch-ups and replays among them). */
export const REQUEST_TYPES = [
  '.ams.ms.QueryMessages',
  '.ams.ms.PublishEvent',
  '.ams.aam.SubscribeExConversations',
  '.ams.routing.SubscribeRoutingTasks',
  '.ams.routing.SetAgentState',
  '.ams.routing.UpdateRingState',
  '.ams.cm.UpdateConversationField',
  '.GetClock',
] as const;

/** Close codes of every family: network, going away, auth, server error, policy. */
export const CLOSE_CODES = [1006, 1001, 1000, 4401, 4407, 1011, 1008, 4000] as const;

/** One thing that happens at a moment of the world. */
export type Action =
  | { readonly kind: 'open'; readonly conv: number }
  | { readonly kind: 'say'; readonly conv: number; readonly text: string }
  /** A non-text message: a shared file (not a question: the bot does not answer it). */
  | { readonly kind: 'file'; readonly conv: number }
  | { readonly kind: 'close'; readonly conv: number }
  | { readonly kind: 'drop'; readonly code: number }
  | { readonly kind: 'failNext'; readonly type: string; readonly fault: 'noAnswer' | 'loseResponse' | '500' | '429' | 'late' | 'dropConnection' | 'dropAfterEffect' }
  | { readonly kind: 'halfDead'; readonly ms: number }
  | { readonly kind: 'expireTokens' }
  | { readonly kind: 'refreshUnauthorized'; readonly ms: number }
  | { readonly kind: 'duplicates'; readonly ms: number }
  | { readonly kind: 'reorder'; readonly ms: number }
  | { readonly kind: 'secondSession' };

/** An action at a moment, in virtual ms from the start. */
export interface Step {
  readonly at: number;
  readonly action: Action;
}

/** A whole world: what the agent is configured with and what happens to it. */
export interface World {
  readonly seed: number;
  readonly conversations: number;
  /** `follow.history`: small, so long dialogs are cheap to draw. */
  readonly history: number;
  readonly steps: readonly Step[];
  /** The fault kinds this seed turned on (for the coverage report). */
  readonly faults: readonly string[];
}

const FAULT_KINDS = ['drop', 'failNext', 'halfDead', 'expireTokens', 'refreshUnauthorized', 'duplicates', 'reorder', 'secondSession'] as const;

/** True for the actions that are faults (everything but the workload). */
export const isFault = (a: Action): boolean => a.kind !== 'open' && a.kind !== 'say' && a.kind !== 'file' && a.kind !== 'close';

/**
 * How worlds are drawn. `v1` drew larger worlds (5 % crowds, longer dialogs), `v2` smaller ones;
 * `v3` (the default) adds files and the menu (rich content with quick replies). The seeds found
 * with an older profile keep it, so a regression replays the world it was found in.
 */
export type Profile = 'v1' | 'v2' | 'v3';

/**
 * Draws the world of a seed.
 *
 * @example
 * drawWorld(42).steps.length;
 */
export function drawWorld(seed: number, profile: Profile = 'v3'): World {
  const r = prng(seed);
  // v3's extra draws come from a stream of their own, so the rest of a world stays v2's.
  const extra = profile === 'v3' ? prng(seed ^ 0x5eed5) : undefined;
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const v1 = profile === 'v1';
  // Mostly small worlds, sometimes a crowd of followed dialogs.
  const conversations = r() < (v1 ? 0.05 : 0.01) ? 50 + int(250) : 1 + int(v1 ? 8 : 6);
  const history = v1 ? 5 + int(30) : 3 + int(12);
  const span = 20_000 + int(100_000);
  const enabled = FAULT_KINDS.filter(() => r() < 0.45);
  const faultCount = enabled.length === 0 ? 0 : 1 + int(8);
  const steps: Step[] = [];
  for (let c = 0; c < conversations; c++) {
    const opensAt = int(span / 2);
    steps.push({ at: opensAt, action: { kind: 'open', conv: c } });
    // Some dialogs are long: more records than `history`.
    const says = r() < 0.1 ? (v1 ? history + int(2 * history) : history + 1 + int(history)) : 1 + int(v1 ? 4 : 3);
    let at = opensAt + 1 + int(2_000);
    for (let i = 0; i < says; i++) {
      const x = extra?.() ?? 1;
      steps.push({ at, action: x < 0.05 ? { kind: 'file', conv: c } : { kind: 'say', conv: c, text: x < 0.15 ? 'menu' : `q${c}.${i}` } });
      at += r() < 0.7 ? int(300) : int(8_000);
    }
    if (r() < 0.2) steps.push({ at: at + int(5_000), action: { kind: 'close', conv: c } });
  }
  for (let f = 0; f < faultCount; f++) {
    const at = int(span);
    const kind = pick(enabled);
    switch (kind) {
      case 'drop':
        steps.push({ at, action: { kind, code: pick(CLOSE_CODES) } });
        break;
      case 'failNext':
        steps.push({ at, action: { kind, type: pick(REQUEST_TYPES), fault: pick(['noAnswer', 'loseResponse', '500', '429', 'late', 'dropConnection', 'dropAfterEffect'] as const) } });
        break;
      case 'halfDead':
        steps.push({ at, action: { kind, ms: 1_000 + int(60_000) } });
        break;
      case 'refreshUnauthorized':
      case 'duplicates':
      case 'reorder':
        steps.push({ at, action: { kind, ms: 1_000 + int(20_000) } });
        break;
      default:
        steps.push({ at, action: { kind } });
    }
  }
  steps.sort((a, b) => a.at - b.at);
  return { seed, conversations, history, steps, faults: enabled };
}
