/**
 * The process's own clock and randomness: the one place the core reads them. `src/agent`,
 * `src/auth` and the emulator's engine take these through their options, so a simulation (or a
 * spec) injects virtual time and a seeded source instead; a lint rule keeps them from reaching for
 * the globals directly.
 */

/**
 * Wall-clock milliseconds since the epoch, with sub-millisecond resolution where the platform has it.
 *
 * @example
 * const startedAt = systemNow();
 */
export function systemNow(): number {
  const perf = globalThis.performance;
  return perf ? perf.timeOrigin + perf.now() : Date.now();
}

/**
 * A uniform draw in [0, 1).
 *
 * @example
 * const jitter = systemRandom() * 2 - 1;
 */
export function systemRandom(): number {
  return Math.random();
}

/**
 * A random id: a UUID where the platform has one, else base-36 digits drawn from `random`.
 *
 * @example
 * randomId(); // '3b241101-e2bb-4255-8caf-4136c566a962'
 * randomId(seeded); // from a seeded source: 'k3j9x0a1p2q8'
 */
export function randomId(random?: () => number): string {
  if (!random) {
    const uuid = globalThis.crypto?.randomUUID?.();
    if (uuid) return uuid;
  }
  const draw = random ?? systemRandom;
  let id = '';
  while (id.length < 24) id += Math.floor(draw() * 36 ** 6).toString(36).padStart(6, '0');
  return id;
}
