import { drawWorld, type Profile } from './world';
import { MUTATIONS } from '../../src/index';
import { runWorld } from './run';
import { swarm } from './swarm';
import { stopAllChildren, swarmInChild } from './child';

/**
 * The deterministic simulator in the suite: a swarm of seeds, each a whole world of conversations
 * and faults run by a real agent with the demo bot on the emulator's engine, in virtual time.
 * `npm run simulate -- --seed N --trace` replays any seed below.
 */

/**
 * Worlds in which the simulator found a bug, each with its seed and what went wrong. They must stay
 * green: each is a regression spec.
 */
const REGRESSIONS: ReadonlyArray<{ seed: number; profile: Profile; what: string }> = [
  { seed: 9, profile: 'v1', what: 'a ring accepted during a half-dead spell never took effect, and the emulator never offered the expired ring again: the conversation stayed unanswered' },
  { seed: 50, profile: 'v1', what: 'the same, with one long conversation: answered once its ring expired and was offered again' },
  { seed: 289, profile: 'v1', what: 'a join cut short by a half-dead socket started again near the end of the dialog, above live events it held: they came after newer history, out of order' },
  { seed: 179, profile: 'v1', what: 'the replayed routing subscription was answered 500: the agent opened without it and was never rung again' },
  { seed: 209, profile: 'v2', what: 'live events came ahead of the conversation change that made the agent a participant (a late accept answer): delivered before the history the join brought, out of order' },
  { seed: 15618, profile: 'v3', what: 'a message came on a socket already closed by the server: the reply was sent on it, failed "socket not open", burned its retries in one tick and was lost' },
  { seed: 15404, profile: 'v3', what: 'a late conversation change reopened a dialog that had closed: it was joined again from 0, its history delivered twice and out of order' },
  { seed: 16219, profile: 'v3', what: 'the bot start subscribed through a half-dead spell: a careful start (each step again until it takes) must still bring the agent online' },
  { seed: 29, profile: 'v1', what: 'a long dialog joined late: only the newest `history` records are delivered, and every later question is answered' },
];

/**
 * Seeds that still fail, each an open finding (see docs/testing.md), kept out of the swarm's count
 * and run as `it.failing`: the day one passes, its spec turns red and it moves to REGRESSIONS.
 */
const OPEN: ReadonlyArray<{ seed: number; what: string }> = [
  { seed: 1570, what: 'a crowd of 231 dialogs, reconnected four times: a message written after the last reconnect waits 6.5 s behind other dialogs with live events (bound 5.9 s)' },
];

const SWARM_SEEDS = Number(process.env['SIM_SEEDS'] ?? 2_000);

describe('the deterministic simulator', () => {
  jest.setTimeout(240_000);
  afterAll(stopAllChildren);

  it(`runs ${SWARM_SEEDS} seeds: every invariant holds in every world`, async () => {
    // Half the seeds run in a child process, on the machine's other core.
    const half = Math.floor(SWARM_SEEDS / 2);
    const other = swarmInChild(half + 1, SWARM_SEEDS - half);
    let report: Awaited<ReturnType<typeof swarm>>;
    let rest: Awaited<typeof other.report>;
    try {
      report = await swarm(1, half);
      rest = await other.report;
    } finally {
      other.stop();
    }
    expect(report.seeds + rest.seeds).toBe(SWARM_SEEDS);
    const open = OPEN.map((o) => `seed ${o.seed}:`);
    const failures = [...report.failures.map((f) => `seed ${f.seed}: ${f.violations.slice(0, 3).join('; ')}`), ...rest.failures];
    expect(failures.filter((f) => !open.some((o) => f.startsWith(o)))).toEqual([]);
    // The swarm reached faults in the phases that matter: while open and while reconnecting.
    expect([...report.coverage.keys(), ...rest.coverage]).toEqual(expect.arrayContaining(['drop@open', 'drop@reconnecting', 'failNext@open', 'halfDead@open']));
  });

  it('gives the same run for the same seed, byte for byte', async () => {
    const world = drawWorld(29);
    const first = await runWorld(world, { trace: true });
    const second = await runWorld(world, { trace: true });
    expect(first.trace.length).toBeGreaterThan(100);
    expect(second.trace).toEqual(first.trace);
  });

  for (const mutation of MUTATIONS) {
    it(`can fail: the ${mutation} canary makes the swarm fail within 300 seeds`, async () => {
      const report = await swarm(1, 300, { mutations: [mutation], stopAfter: 1 });
      expect(report.failures.length).toBe(1);
    });
  }

  for (const finding of OPEN) {
    it.failing(`open finding, seed ${finding.seed}: ${finding.what}`, async () => {
      expect((await runWorld(drawWorld(finding.seed))).violations).toEqual([]);
    });
  }

  for (const regression of REGRESSIONS) {
    it(`seed ${regression.seed}: ${regression.what}`, async () => {
      const result = await runWorld(drawWorld(regression.seed, regression.profile));
      expect(result.violations).toEqual([]);
    });
  }
});
