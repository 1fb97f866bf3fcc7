/**
 * A seeded source of ids for one emulator: the same seed gives the same user ids, PIds, bearers,
 * conversation ids... in the same order, so a failing test replays identically. Not for secrets.
 *
 * @example
 * const random = createRandom(1);
 * random.uuid();    // a v4-shaped UUID, the same one for every emulator seeded with 1
 * random.digits(8); // '48213307'
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, max). */
  int(max: number): number;
  /** A v4-shaped UUID (version and variant bits set). */
  uuid(): string;
  /** `length` lowercase hex characters. */
  hex(length: number): string;
  /** `length` decimal digits, the first one non-zero. */
  digits(length: number): string;
}

/**
 * Creates a generator from a seed (mulberry32: small, fast, good enough for ids). Its state lives
 * in the closure, so every emulator has its own sequence.
 *
 * @example
 * const a = createRandom(7), b = createRandom(7);
 * a.hex(16) === b.hex(16); // true
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += int(16).toString(16);
    return out;
  };
  return {
    next,
    int,
    hex,
    uuid: () => {
      const h = hex(32).split('');
      h[12] = '4';
      h[16] = (8 + int(4)).toString(16);
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
    digits: (length: number) => {
      let out = String(1 + int(9));
      for (let i = 1; i < length; i++) out += String(int(10));
      return out;
    },
  };
}
