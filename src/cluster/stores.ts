/**
 * A lease on one bot user: whoever holds it may run that user's session. `token` is the fencing
 * token: it grows with every acquisition of the name, so a write made under an older lease can be
 * told apart from (and refused after) one made under a newer lease.
 *
 * @example
 * const lease = await leases.acquire('bot-1', 'worker-a', 10_000); // { name: 'bot-1', owner: 'worker-a', token: 7 }
 */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  readonly token: number;
}

/**
 * Where leases and the roll of live workers are kept: Redis across machines
 * ({@link RedisLeaseStore}), memory in one process ({@link MemoryLeaseStore}). Every operation is
 * atomic in the store, so two workers can never both hold a name.
 *
 * @example
 * const lease = await store.acquire('bot-1', 'worker-a', 10_000);
 * if (lease && !(await store.renew(lease, 10_000))) stopTheAgent();
 */
export interface LeaseStore {
  /** Takes the lease if nobody holds it (`SET NX PX`); `undefined` when somebody does. */
  acquire(name: string, owner: string, ttl: number): Promise<Lease | undefined>;
  /** Extends a lease still held under this very token; false when it expired or changed hands. */
  renew(lease: Lease, ttl: number): Promise<boolean>;
  /** Gives a lease up if still held under this token; false otherwise (nothing is touched). */
  release(lease: Lease): Promise<boolean>;
  /** Who holds a name now. */
  holder(name: string): Promise<Lease | undefined>;
  /** Registers (or keeps alive) a worker for `ttl` ms and answers the live workers, sorted. */
  heartbeat(worker: string, ttl: number): Promise<readonly string[]>;
  /** Takes a worker off the roll at once (a graceful shutdown). */
  leave(worker: string): Promise<void>;
}

/**
 * What a new owner of a bot user needs to resume it: per followed dialog, the sequence up to which
 * every message was dealt with (answered, or settled by the pipeline).
 *
 * @example
 * const checkpoint: Checkpoint = { fence: 7, dialogs: { 'dialog-1': 14 }, savedAt: Date.now() };
 */
export interface Checkpoint {
  /** The fencing token of the lease it was saved under. */
  readonly fence: number;
  /** Per dialog, the watermark: every message up to it was dealt with. */
  readonly dialogs: Readonly<Record<string, number>>;
  /** When it was saved (ms since the epoch, the saver's clock; informative). */
  readonly savedAt: number;
}

/**
 * Where checkpoints are kept. A save under an older fencing token than the one stored is refused,
 * so a worker that lost its lease can never overwrite its successor's checkpoint.
 *
 * @example
 * if (!(await store.save('bot-1', { fence: lease.token, dialogs, savedAt: Date.now() }))) stopTheAgent();
 */
export interface CheckpointStore {
  /** The checkpoint last saved for a bot user; `undefined` when none was. */
  load(user: string): Promise<Checkpoint | undefined>;
  /** Stores the checkpoint unless one with a higher fence is stored; true when stored. */
  save(user: string, checkpoint: Checkpoint): Promise<boolean>;
}

/**
 * Leases in this process's memory, for a single process: tests, the emulator, `npm start`.
 * Same contract as {@link RedisLeaseStore}; `now` lets a test move time.
 *
 * @example
 * const pool = createAgentPool({ users, leases: new MemoryLeaseStore(), checkpoints: new MemoryCheckpointStore(), pipeline });
 */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, { lease: Lease; expiresAt: number }>();
  private readonly fences = new Map<string, number>();
  private readonly workers = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(name: string, owner: string, ttl: number): Promise<Lease | undefined> {
    if (this.live(name)) return undefined;
    const token = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, token);
    const lease = { name, owner, token };
    this.leases.set(name, { lease, expiresAt: this.now() + ttl });
    return lease;
  }

  async renew(lease: Lease, ttl: number): Promise<boolean> {
    const held = this.live(lease.name);
    if (!held || !same(held.lease, lease)) return false;
    held.expiresAt = this.now() + ttl;
    return true;
  }

  async release(lease: Lease): Promise<boolean> {
    const held = this.live(lease.name);
    if (!held || !same(held.lease, lease)) return false;
    this.leases.delete(lease.name);
    return true;
  }

  async holder(name: string): Promise<Lease | undefined> {
    return this.live(name)?.lease;
  }

  async heartbeat(worker: string, ttl: number): Promise<readonly string[]> {
    const now = this.now();
    this.workers.set(worker, now + ttl);
    for (const [id, expiresAt] of this.workers) if (expiresAt <= now) this.workers.delete(id);
    return [...this.workers.keys()].sort();
  }

  async leave(worker: string): Promise<void> {
    this.workers.delete(worker);
  }

  private live(name: string): { lease: Lease; expiresAt: number } | undefined {
    const held = this.leases.get(name);
    if (held && held.expiresAt <= this.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return held;
  }
}

/**
 * Checkpoints in this process's memory (see {@link MemoryLeaseStore}).
 *
 * @example
 * const checkpoints = new MemoryCheckpointStore();
 * await checkpoints.save('bot-1', { fence: 1, dialogs: { d1: 3 }, savedAt: Date.now() });
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, Checkpoint>();

  /** The checkpoint last saved for a bot user. */
  async load(user: string): Promise<Checkpoint | undefined> {
    return this.checkpoints.get(user);
  }

  async save(user: string, checkpoint: Checkpoint): Promise<boolean> {
    const stored = this.checkpoints.get(user);
    if (stored && stored.fence > checkpoint.fence) return false;
    this.checkpoints.set(user, { ...checkpoint, dialogs: { ...checkpoint.dialogs } });
    return true;
  }
}

const same = (a: Lease, b: Lease): boolean => a.owner === b.owner && a.token === b.token;
