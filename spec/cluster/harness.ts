import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { filter, type Subscription } from 'rxjs';
import { startEmulator, type Consumer, type Emulator, type SessionEvent } from '../../src/emulator/index';
import type { PoolUser } from '../../src/cluster/index';
import { killGroup, spawnGroup } from '../support/processes';
import { requireRedis, startRedis, type RedisServer } from '../support/redis';
import { eventually } from '../support/eventually';

const root = join(__dirname, '..', '..');

/** A pool event as a worker prints it. */
export interface WorkerLine {
  readonly type: string;
  readonly user?: string;
  readonly token?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly at: number;
}

/** One worker process, as the harness knows it. */
export interface WorkerHandle {
  readonly id: string;
  readonly child: ChildProcess;
  /** The bot users it holds, from its own reports. */
  readonly held: Set<string>;
  readonly lines: WorkerLine[];
  exited: boolean;
}

/**
 * Real processes around one emulator and one redis-server: worker processes running pools over
 * Redis (spec/cluster/worker.ts), the bot users they share, and consumers that count the answers
 * to each of their messages. Used by failover.spec.ts and the cluster soak.
 */
export class ClusterHarness {
  readonly workers: WorkerHandle[] = [];
  readonly answers = new Map<string, number>();
  readonly sent: string[] = [];
  readonly sessions: SessionEvent[] = [];
  private readonly subs: Subscription[] = [];
  private generation = 0;

  private constructor(
    readonly emulator: Emulator,
    readonly redis: RedisServer,
    readonly users: readonly PoolUser[],
    readonly ttl: number,
  ) {
    this.subs.push(emulator.sessions$.subscribe((s) => this.sessions.push(s)));
  }

  static async start(options: { users: number; ttl: number; seed: number }): Promise<ClusterHarness> {
    requireRedis();
    const redis = await startRedis();
    const emulator = await startEmulator({ port: 0, seed: options.seed });
    const users = Array.from({ length: options.users }, (_, i) => {
      const id = `bot-${i + 1}`;
      return { id, config: emulator.addAgent({ username: id, password: `pw-${id}-${options.seed}`, skills: ['-1'] }) };
    });
    return new ClusterHarness(emulator, redis, users, options.ttl);
  }

  /** Starts a worker process (a new worker id each time, as a restarted machine would have). */
  spawnWorker(name: string): WorkerHandle {
    const id = `${name}.${++this.generation}`;
    const child = spawnGroup(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'spec/cluster/worker.ts')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CLUSTER_REDIS_URL: this.redis.url, CLUSTER_USERS: JSON.stringify(this.users), CLUSTER_WORKER: id, CLUSTER_TTL: String(this.ttl) },
    });
    const worker: WorkerHandle = { id, child, held: new Set(), lines: [], exited: false };
    child.once('exit', () => (worker.exited = true));
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (text) => {
        let line: WorkerLine;
        try {
          line = JSON.parse(text) as WorkerLine;
        } catch {
          return;
        }
        worker.lines.push(line);
        if (line.user === undefined) return;
        if (line.type === 'acquired') worker.held.add(line.user);
        if (line.type === 'released' || line.type === 'lost') worker.held.delete(line.user);
      });
    }
    this.workers.push(worker);
    return worker;
  }

  /** Every bot user held by some live worker and online at the emulator. */
  async allOnline(within = 20_000): Promise<void> {
    await eventually(() => this.users.every((u) => this.emulator.connections(u.id) === 1), 'every bot user online', within);
  }

  /** Opens a conversation for a new consumer and counts the answers to its messages. */
  async consumer(): Promise<Consumer> {
    const consumer = await this.emulator.consumer({ skillId: '-1' });
    this.subs.push(
      consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent')).subscribe((r) => {
        const text = r.event.type === 'ContentEvent' && typeof r.event.message === 'string' ? r.event.message : '';
        if (text.startsWith('re: ')) this.answers.set(text.slice(4), (this.answers.get(text.slice(4)) ?? 0) + 1);
      }),
    );
    return consumer;
  }

  async send(consumer: Consumer, text: string): Promise<void> {
    this.sent.push(text);
    await consumer.send(text);
  }

  /** Messages with no answer, and answers beyond the first. */
  tally(): { lost: string[]; duplicated: number; replies: number } {
    const lost = this.sent.filter((t) => !this.answers.has(t));
    let duplicated = 0;
    let replies = 0;
    for (const n of this.answers.values()) {
      replies += n;
      duplicated += Math.max(0, n - 1);
    }
    return { lost, duplicated, replies };
  }

  async settle(within: number): Promise<boolean> {
    try {
      await eventually(() => this.sent.every((t) => this.answers.has(t)), 'every message answered', within);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILLs a worker's whole process group and waits for it to be gone. */
  async kill(worker: WorkerHandle): Promise<void> {
    await killGroup(worker.child, 'SIGKILL');
  }

  /** Stops the workers gracefully (SIGTERM), then everything else. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.filter((w) => !w.exited).map(async (w) => {
        const exited = new Promise<void>((r) => (w.exited ? r() : w.child.once('exit', () => r())));
        if (w.child.pid !== undefined) process.kill(w.child.pid, 'SIGTERM');
        const timer = setTimeout(() => void killGroup(w.child, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
        await killGroup(w.child, 'SIGKILL');
      }),
    );
    for (const s of this.subs) s.unsubscribe();
    await this.emulator.close();
    await this.redis.stop();
  }
}
