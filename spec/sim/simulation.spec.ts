import { drawWorld } from './world';
import { CANARIES, runWorld } from './run';
import { swarm } from './swarm';

/**
 * The deterministic simulator in the suite: a swarm of seeds, each a whole world of conversations
 * and faults run by a real agent with the demo bot on the emulator's engine, in virtual time.
 * `npm run simulate -- --seed N --trace` replays any seed below.
 */

/** Seeds the simulator found failing and that are not fixed yet: each one is an open bug (see docs/testing.md). */
const OPEN_BUGS: ReadonlyArray<{ seed: number; what: string }> = [
  { seed: 45, what: 'many followed dialogs: some catch-ups after the last fault take 7-20 s (latency bound 5 s)' },
  { seed: 50, what: 'a catch-up after a reconnect waits ~24 s before its first query (latency bound 5 s)' },
  { seed: 79, what: 'catch-ups after the last fault take 10-25 s (latency bound 5 s)' },
  { seed: 89, what: 'a first message reaches messages$ 72 s after the reconnect (latency bound 5 s)' },
];

const SWARM_SEEDS = Number(process.env['SIM_SEEDS'] ?? 150);

describe('the deterministic simulator', () => {
  jest.setTimeout(240_000);

  it(`runs ${SWARM_SEEDS} seeds: every invariant holds in every world but the open bugs`, async () => {
    const report = await swarm(1, SWARM_SEEDS);
    const open = new Set(OPEN_BUGS.map((b) => b.seed));
    const failures = report.failures.filter((f) => !open.has(f.seed)).map((f) => `seed ${f.seed}: ${f.violations.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    // The swarm reached faults in the phases that matter: while open and while reconnecting.
    expect([...report.coverage.keys()]).toEqual(expect.arrayContaining(['drop@open', 'drop@reconnecting', 'failNext@open', 'halfDead@open']));
  });

  it('gives the same run for the same seed, byte for byte', async () => {
    const world = drawWorld(29);
    const first = await runWorld(world, { trace: true });
    const second = await runWorld(world, { trace: true });
    expect(first.trace.length).toBeGreaterThan(100);
    expect(second.trace).toEqual(first.trace);
  });

  for (const canary of Object.keys(CANARIES)) {
    it(`can fail: the ${canary} canary makes the swarm fail within 60 seeds`, async () => {
      const report = await swarm(1, 60, { mutations: [canary], stopAfter: 1 });
      expect(report.failures.length).toBe(1);
    });
  }

  for (const bug of OPEN_BUGS) {
    it.failing(`open bug, seed ${bug.seed}: ${bug.what}`, async () => {
      const result = await runWorld(drawWorld(bug.seed));
      expect(result.violations).toEqual([]);
    });
  }
});
