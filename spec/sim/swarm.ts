/**
 * The swarm: many seeds, one world each, with counts of what failed and which faults met which
 * connection phase (a pair never met is a blind spot), and a shrinker that removes steps one at a
 * time while the world still fails.
 */
import { drawWorld, type World } from './world';
import { runWorld, type RunOptions, type RunResult } from './run';

/** What a swarm found. */
export interface SwarmReport {
  readonly seeds: number;
  readonly failures: RunResult[];
  /** `fault@phase` → how often it happened. */
  readonly coverage: Map<string, number>;
  readonly latencies: number[];
}

/**
 * Runs `count` seeds from `first`.
 *
 * @example
 * const report = await swarm(1, 100);
 * report.failures.map((f) => f.seed);
 */
export async function swarm(first: number, count: number, options: RunOptions & { stopAfter?: number } = {}): Promise<SwarmReport> {
  const failures: RunResult[] = [];
  const coverage = new Map<string, number>();
  const latencies: number[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const result = await runWorld(drawWorld(seed), options);
    for (const c of result.coverage) coverage.set(c, (coverage.get(c) ?? 0) + 1);
    latencies.push(...result.latencies);
    if (result.violations.length > 0) {
      failures.push(result);
      if (options.stopAfter !== undefined && failures.length >= options.stopAfter) return { seeds: seed - first + 1, failures, coverage, latencies };
    }
  }
  return { seeds: count, failures, coverage, latencies };
}

/**
 * Shrinks a failing world: drops one step at a time (faults first) while it still fails.
 *
 * @example
 * const small = await shrink(drawWorld(1234));
 */
export async function shrink(world: World, options: RunOptions = {}): Promise<World> {
  let current = world;
  let progress = true;
  while (progress) {
    progress = false;
    for (let i = current.steps.length - 1; i >= 0; i--) {
      const candidate: World = { ...current, steps: current.steps.filter((_, j) => j !== i) };
      if ((await runWorld(candidate, options)).violations.length > 0) {
        current = candidate;
        progress = true;
      }
    }
  }
  return current;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
