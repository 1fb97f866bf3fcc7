/**
 * Cluster soak: one emulator, one redis-server, 3 worker processes sharing 9 bot users over Redis,
 * consumers chatting throughout, and a worker killed with SIGKILL every 10 s and started again.
 * At the end every consumer message must have exactly one answer and no bot user may ever have had
 * two live sessions at once (as the emulator saw them).
 *
 *   npm run cluster-soak -- --seconds 60 --seed 1
 *
 * Prints `sent=… replies=… lost=… duplicated=… takeovers=… overlap=…` and the takeover times; exits
 * 1 when a target is missed. `runClusterSoak` is also used by clusterSoak.spec.ts (8 s).
 */
import type { Consumer } from '../../src/emulator/index';
import { createRandom } from '../../src/emulator/engine/random';
import { ClusterHarness, type WorkerHandle } from './harness';

export interface ClusterSoakOptions {
  /** How long consumers chat while workers are killed, in seconds. */
  seconds: number;
  /** Ms between two kills. Default 10 000. */
  killEvery?: number;
  /** Worker processes. Default 3. */
  workers?: number;
  /** Bot users. Default 9. */
  users?: number;
  /** Consumers (one conversation each). Default 18. */
  consumers?: number;
  /** Lease TTL in ms. Default 3 000. */
  ttl?: number;
  /** Seeds the emulator and the schedule of messages. Default 1. */
  seed?: number;
  /** Mean ms between two messages of one consumer. Default 400. */
  sendInterval?: number;
  log?: (line: string) => void;
}

export interface ClusterSoakResult {
  sent: number;
  replies: number;
  lost: number;
  duplicated: number;
  /** Bot users of a killed worker taken by another worker. */
  takeovers: number;
  /** Session openings that found another session of the same user live. */
  overlap: number;
  kills: number;
  /** Kill to the user's next session at the emulator, per takeover (ms). */
  takeoverMs: number[];
  /** The target for each takeover: the TTL plus one login and reconnect (1 s). */
  takeoverBoundMs: number;
  settled: boolean;
  ok: boolean;
  examples: string[];
}

export function summary(r: ClusterSoakResult): string {
  const max = r.takeoverMs.length ? Math.max(...r.takeoverMs) : 0;
  return `sent=${r.sent} replies=${r.replies} lost=${r.lost} duplicated=${r.duplicated} takeovers=${r.takeovers} overlap=${r.overlap} kills=${r.kills} maxTakeoverMs=${max} (bound ${r.takeoverBoundMs})`;
}

export async function runClusterSoak(options: ClusterSoakOptions): Promise<ClusterSoakResult> {
  const { seconds, killEvery = 10_000, workers: workerCount = 3, users = 9, consumers: consumerCount = 18, ttl = 3_000, seed = 1, sendInterval = 400 } = options;
  const log = options.log ?? (() => undefined);
  // The emulator's seeded generator: a failing schedule replays.
  const random = createRandom(seed ^ 0xc1a5);
  const next = (): number => random.next();
  const cluster = await ClusterHarness.start({ users, ttl, seed });
  let kills = 0;
  const pending = new Map<string, number>(); // bot user -> when its worker was killed
  const takeoverMs: number[] = [];
  let takeovers = 0;
  try {
    const slots: WorkerHandle[] = [];
    for (let i = 0; i < workerCount; i++) slots.push(cluster.spawnWorker(`w${i}`));
    await cluster.allOnline(30_000);
    log(`all ${users} bot users online`);
    const sub = cluster.emulator.sessions$.subscribe((s) => {
      const killedAt = pending.get(s.username);
      if (s.type !== 'open' || killedAt === undefined) return;
      pending.delete(s.username);
      takeovers++;
      takeoverMs.push(s.at - killedAt);
    });
    const consumers: Consumer[] = [];
    for (let i = 0; i < consumerCount; i++) consumers.push(await cluster.consumer());

    const end = Date.now() + seconds * 1_000;
    let sending = true;
    const chats = consumers.map(async (consumer, c) => {
      for (let n = 1; sending; n++) {
        await new Promise((r) => setTimeout(r, sendInterval * (0.5 + next())));
        if (sending) await cluster.send(consumer, `c${c}-m${n}`);
      }
    });
    let turn = 0;
    while (Date.now() + killEvery <= end) {
      await new Promise((r) => setTimeout(r, killEvery));
      const slot = turn++ % workerCount;
      const victim = slots[slot] as WorkerHandle;
      const orphans = [...victim.held];
      const killedAt = Date.now();
      await cluster.kill(victim);
      kills++;
      for (const user of orphans) pending.set(user, killedAt);
      log(`killed ${victim.id} holding ${orphans.join(',') || 'nothing'}`);
      slots[slot] = cluster.spawnWorker(`w${slot}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())));
    sending = false;
    await Promise.all(chats);
    const settled = await cluster.settle(3 * ttl + 10_000);
    sub.unsubscribe();
    const { lost, duplicated, replies } = cluster.tally();
    const overlap = cluster.emulator.overlaps();
    const takeoverBoundMs = ttl + 1_000;
    const examples = [...lost.slice(0, 5).map((t) => `lost ${t}`), ...[...cluster.answers].filter(([, n]) => n > 1).slice(0, 5).map(([t, n]) => `${t} answered ${n}x`)];
    const ok = lost.length === 0 && duplicated === 0 && overlap === 0 && pending.size === 0 && takeoverMs.every((ms) => ms <= takeoverBoundMs);
    return { sent: cluster.sent.length, replies, lost: lost.length, duplicated, takeovers, overlap, kills, takeoverMs, takeoverBoundMs, settled, ok, examples };
  } finally {
    await cluster.stop();
  }
}

function parseArgs(argv: readonly string[]): ClusterSoakOptions {
  const options: ClusterSoakOptions = { seconds: 60 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    switch (argv[i]) {
      case '--seconds': options.seconds = value; break;
      case '--seed': options.seed = value; break;
      case '--kill-every': options.killEvery = value; break;
      case '--ttl': options.ttl = value; break;
      case '--consumers': options.consumers = value; break;
      default: throw new Error(`unknown option ${argv[i]} (--seconds, --seed, --kill-every, --ttl, --consumers)`);
    }
  }
  return options;
}

if (process.env['JEST_WORKER_ID'] === undefined && /clusterSoak\.ts$/.test(process.argv[1] ?? '')) {
  const options = parseArgs(process.argv.slice(2));
  runClusterSoak({ ...options, log: (line) => console.log(line) }).then(
    (result) => {
      console.log(summary(result));
      console.log(`takeovers (ms from kill to the new session): ${result.takeoverMs.join(' ')}`);
      for (const e of result.examples) console.log(e);
      process.exit(result.ok ? 0 : 1);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
