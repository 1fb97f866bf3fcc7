import { BehaviorSubject, exhaustMap, from, Subject, type Observable, type Subscription, timer } from 'rxjs';
import type { Agent, AgentConfig, Logger } from '../agent/index.js';
import { toAgentError } from '../domain/errors.js';
import { channels } from '../diagnostics/channels.js';
import { Holding, type LossReason, type PoolEvent, type PoolPipeline, type PoolUser, type ReleaseReason } from './holding.js';
import type { CheckpointStore, LeaseStore } from './stores.js';

/**
 * A worker's pool of bot users.
 *
 * @example
 * const config: AgentPoolConfig = { users, leases: new RedisLeaseStore(redis), checkpoints: new RedisCheckpointStore(redis), pipeline, leaseTtl: 15_000 };
 */
export interface AgentPoolConfig {
  /** Every bot user of the deployment (all workers are given the same list). */
  users: readonly PoolUser[];
  /** Where leases and the roll of workers live: `RedisLeaseStore` across machines, `MemoryLeaseStore` in one process. */
  leases: LeaseStore;
  /** Where checkpoints live: `RedisCheckpointStore` or `MemoryCheckpointStore`. */
  checkpoints: CheckpointStore;
  /** The bot: the commands to run for each bot user held. */
  pipeline: PoolPipeline;
  /** This worker's name on the roll and in leases. Default `worker-<pid>-<random>`. */
  workerId?: string;
  /** Most bot users this worker holds. Default: its fair share, ceil(users / live workers). */
  capacity?: number;
  /** Lease time to live, in ms. Default 15 000. */
  leaseTtl?: number;
  /** How often held leases are renewed, in ms. Default a third of the TTL. */
  renewInterval?: number;
  /**
   * How long before a lease could run out the agent is stopped when renewals fail, in ms: covers
   * clock drift, a paused process and the socket's close. Default a third of the TTL.
   */
  safetyMargin?: number;
  /** How often the worker checks the roll, rebalances and looks for free bot users, in ms. Default min(1 000, renewInterval). */
  scanInterval?: number;
  /** How often moved watermarks are saved, in ms. Default 1 000. */
  checkpointInterval?: number;
  /** How long a bot user whose session another login took over is left alone, in ms. Default twice the TTL. */
  takenOverCooldown?: number;
  /**
   * Whether the pool brings each agent ONLINE and subscribes it to its routing tasks and its own
   * open conversations (the subscription through which a new owner finds the dialogs to resume).
   * `false` leaves all three to your pipeline. Default true.
   */
  online?: boolean;
  /** Options for every agent (timeouts, reconnect policy, logger); a user's own config wins. */
  agentOptions?: Partial<AgentConfig>;
  /** Signals on which the pool closes gracefully (e.g. `['SIGTERM', 'SIGINT']`). Default none. */
  closeOn?: readonly NodeJS.Signals[];
  logger?: Logger;
}

/**
 * A bot user this worker holds.
 *
 * @example
 * pool.held$.subscribe((held) => console.log(held.map((h) => `${h.user}#${h.token}`).join(' ')));
 */
export interface HeldUser {
  readonly user: string;
  /** The lease's fencing token. */
  readonly token: number;
  /** When this worker took it (ms since the epoch). */
  readonly since: number;
  readonly agent: Agent | undefined;
}

/**
 * A worker's share of the bot users. See {@link createAgentPool}.
 *
 * @example
 * const pool = createAgentPool(config);
 * await pool.close();
 */
export interface AgentPool {
  readonly workerId: string;
  /** The bot users held now, sorted by id; replays the latest to each subscriber. */
  readonly held$: Observable<readonly HeldUser[]>;
  /** Acquisitions, releases, losses and errors, as they happen. */
  readonly events$: Observable<PoolEvent>;
  /** The bot users held now (what `held$` last emitted). */
  holdings(): readonly HeldUser[];
  /** The agent of a bot user held now. */
  agent(user: string): Agent | undefined;
  /** Stops taking bot users, then for each held one: pipeline stopped, agent disposed, checkpoint saved, lease released. */
  close(): Promise<void>;
}

/**
 * Runs a worker's share of the bot users: takes their leases (as many as its fair share, or
 * `capacity`), runs the pipeline for each agent it holds, renews the leases, saves checkpoints,
 * and rebalances as workers join and leave. A bot user's agent is stopped before its lease could
 * run out when renewals fail, and given up at once when another login takes its session over.
 *
 * Replies sent with `sendText(…, { replyTo: message })` make the failover exactly-once: a new owner
 * resumes every dialog from its checkpoint and skips the messages its predecessor's reply keys
 * answered (see docs/cluster.md for the precise guarantee).
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createAgentPool, RedisLeaseStore, RedisCheckpointStore } from 'lp-agent-rx/cluster';
 *
 * const redis = new Redis(process.env.REDIS_URL!);
 * const pool = createAgentPool({
 *   users: ['bot-1', 'bot-2', 'bot-3'].map((id) => ({ id, config: { accountId, username: id, password: secrets[id] } })),
 *   leases: new RedisLeaseStore(redis),
 *   checkpoints: new RedisCheckpointStore(redis),
 *   pipeline: (agent) => myBot(agent),
 *   closeOn: ['SIGTERM'],
 * });
 * pool.held$.subscribe((held) => console.log('holding', held.map((h) => h.user)));
 * ```
 *
 * @param config Users, stores, pipeline and timings.
 * @return The running pool.
 */
export function createAgentPool(config: AgentPoolConfig): AgentPool {
  return new Pool(config);
}

class Pool implements AgentPool {
  readonly workerId: string;
  private readonly heldSubject = new BehaviorSubject<readonly HeldUser[]>([]);
  private readonly eventsSubject = new Subject<PoolEvent>();
  readonly held$ = this.heldSubject.asObservable();
  readonly events$ = this.eventsSubject.asObservable();
  private readonly held = new Map<string, Holding>();
  private readonly cooling = new Map<string, number>();
  private readonly loops: Subscription[] = [];
  private readonly ttl: number;
  private readonly renewInterval: number;
  private readonly scanInterval: number;
  private scans = 0;
  private closing: Promise<void> | undefined;
  private readonly onSignal = (): void => void this.close();

  constructor(private readonly config: AgentPoolConfig) {
    this.workerId = config.workerId ?? `worker-${globalThis.process?.pid ?? 0}-${Math.random().toString(36).slice(2, 8)}`;
    this.ttl = config.leaseTtl ?? 15_000;
    this.renewInterval = config.renewInterval ?? Math.floor(this.ttl / 3);
    this.scanInterval = config.scanInterval ?? Math.min(1_000, this.renewInterval);
    if (this.renewInterval >= this.ttl - this.safetyMargin) throw new Error('renewInterval must be shorter than leaseTtl - safetyMargin, or every lease would lapse');
    this.loops.push(timer(0, this.scanInterval).pipe(exhaustMap(() => from(this.scan()))).subscribe());
    this.loops.push(timer(this.renewInterval, this.renewInterval).pipe(exhaustMap(() => from(this.renewAll()))).subscribe());
    for (const signal of config.closeOn ?? []) process.once(signal, this.onSignal);
  }

  private get safetyMargin(): number {
    return this.config.safetyMargin ?? Math.floor(this.ttl / 3);
  }

  agent(user: string): Agent | undefined {
    return this.held.get(user)?.agent;
  }

  holdings(): readonly HeldUser[] {
    return this.heldSubject.getValue();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const loop of this.loops) loop.unsubscribe();
      for (const signal of this.config.closeOn ?? []) process.off(signal, this.onSignal);
      await Promise.all([...this.held.values()].map((h) => h.stop('close')));
      await this.config.leases.leave(this.workerId).catch((e: unknown) => this.eventsSubject.next({ type: 'error', error: toAgentError(e) }));
      this.heldSubject.complete();
      this.eventsSubject.complete();
    })();
    return this.closing;
  }

  /** Checks the roll, gives up what is beyond the fair share, takes free bot users up to it. */
  private async scan(): Promise<void> {
    try {
      // A dead worker leaves the roll (two renew intervals, at least three scans) before its leases lapse.
      const roll = await this.config.leases.heartbeat(this.workerId, Math.max(2 * this.renewInterval, 3 * this.scanInterval));
      if (this.closing) return;
      const { users } = this.config;
      const share = Math.min(this.config.capacity ?? Infinity, Math.ceil(users.length / Math.max(1, roll.length)));
      const held = [...this.held.values()].filter((h) => !h.over);
      // Workers that start together see each other on the roll before the first take.
      if (this.scans++ === 0) return;
      if (held.length > share) {
        const extras = held.sort((a, b) => this.preference(a.user.id) - this.preference(b.user.id)).slice(0, held.length - share);
        await Promise.all(extras.map((h) => h.stop('rebalance')));
        return;
      }
      const now = Date.now();
      const free = users
        .filter((u) => !this.held.has(u.id) && (this.cooling.get(u.id) ?? 0) <= now)
        .sort((a, b) => this.preference(b.id) - this.preference(a.id));
      let count = this.held.size;
      for (const user of free) {
        if (count >= share || this.closing) break;
        const sentAt = Date.now();
        const lease = await this.config.leases.acquire(user.id, this.workerId, this.ttl);
        if (!lease) continue;
        if (this.closing) {
          await this.config.leases.release(lease);
          break;
        }
        count++;
        const holding = new Holding(user, lease, {
          leases: this.config.leases,
          checkpoints: this.config.checkpoints,
          pipeline: this.config.pipeline,
          agentOptions: this.config.agentOptions ?? {},
          ttl: this.ttl,
          safetyMargin: this.safetyMargin,
          checkpointInterval: this.config.checkpointInterval ?? 1_000,
          online: this.config.online ?? true,
          event: (e) => this.report(e),
          ended: (h, reason) => this.ended(h, reason),
        });
        this.held.set(user.id, holding);
        void holding.start(sentAt).then(() => this.publishHeld());
        this.publishHeld();
      }
    } catch (e) {
      this.report({ type: 'error', error: toAgentError(e) });
    }
  }

  /** Renews every lease held; a refusal stops that bot user's agent at once. */
  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.held.values()].map(async (holding) => {
        if (holding.over) return;
        const sentAt = Date.now();
        try {
          if (await this.config.leases.renew(holding.lease, this.ttl)) holding.renewed(sentAt);
          else await holding.lose('renewRefused');
        } catch (e) {
          // The deadline stops the agent if this goes on.
          this.report({ type: 'error', user: holding.user.id, error: toAgentError(e) });
        }
      }),
    );
  }

  private ended(holding: Holding, reason: ReleaseReason | LossReason): void {
    if (this.held.get(holding.user.id) === holding) this.held.delete(holding.user.id);
    if (reason === 'takenOver') this.cooling.set(holding.user.id, Date.now() + (this.config.takenOverCooldown ?? 2 * this.ttl));
    if (reason === 'failed') this.cooling.set(holding.user.id, Date.now() + this.ttl);
    this.publishHeld();
  }

  private report(event: PoolEvent): void {
    const log = this.config.logger;
    if (event.type === 'error') log?.error?.(`pool ${this.workerId}${event.user ? ` ${event.user}` : ''}: ${event.error.message}`);
    else if (event.type === 'lost') log?.warn?.(`pool ${this.workerId}: lost ${event.user} (${event.reason})`);
    else log?.info?.(`pool ${this.workerId}: ${event.type} ${event.user}#${event.token}`);
    if (channels.lease.hasSubscribers) channels.lease.publish({ workerId: this.workerId, event: event.type === 'error' ? { type: 'error', ...(event.user ? { user: event.user } : {}), reason: event.error.kind } : event });
    if (!this.eventsSubject.closed) this.eventsSubject.next(event);
  }

  private publishHeld(): void {
    if (this.heldSubject.closed) return;
    const held = [...this.held.values()]
      .filter((h) => !h.over)
      .map((h): HeldUser => ({ user: h.user.id, token: h.lease.token, since: h.since, agent: h.agent }))
      .sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
    const last = this.heldSubject.getValue();
    const same = last.length === held.length && last.every((h, i) => h.user === held[i]?.user && h.token === held[i]?.token && h.agent === held[i]?.agent);
    if (!same) this.heldSubject.next(held);
  }

  /** Rendezvous hashing: each worker prefers its own bot users, so rebalancing moves few of them. */
  private preference(user: string): number {
    let hash = 0x811c9dc5;
    for (const c of `${this.workerId}\u0000${user}`) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return hash;
  }
}
