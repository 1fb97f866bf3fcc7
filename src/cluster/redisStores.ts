import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Checkpoint, CheckpointStore, Lease, LeaseStore } from './stores.js';

/**
 * The part of a Redis client the stores use: `eval`. An `ioredis` client (`new Redis(url)`, or a
 * `Cluster`) fits as it is.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const redis: RedisLike = new Redis('redis://127.0.0.1:6379');
 */
export interface RedisLike {
  /** Runs a Lua script on the server (`EVAL script numkeys key… arg…`). */
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of the Redis stores. */
export interface RedisStoreOptions {
  /** Prefix of every key. Default `'lp-agent-rx:'`. */
  prefix?: string;
}

// Every script touches the keys of one bot user only, all tagged `{name}`: one hash slot, so the
// stores work on Redis Cluster as well.
const ACQUIRE = `
local token = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
if not redis.call('SET', KEYS[1], token .. '|' .. ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
redis.call('SET', KEYS[2], token)
return token`;
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;
const HOLDER = `return redis.call('GET', KEYS[1])`;
// The roll of workers is timed by the Redis server's clock, never a worker's.
const HEARTBEAT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;
const LEAVE = `return redis.call('ZREM', KEYS[1], ARGV[1])`;
const SAVE = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if tonumber(ARGV[1]) < stored then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;
const LOAD = `return redis.call('HMGET', KEYS[1], 'fence', 'data')`;

/**
 * Leases in Redis, for workers on many machines. Keys (with the default prefix):
 * `lp-agent-rx:lease:{name}` holds `token|owner` with a PX expiry, `lp-agent-rx:fence:{name}` the
 * last token given out, `lp-agent-rx:workers` the roll of live workers (a sorted set scored by
 * expiry on the Redis server's clock). Taken with `SET NX PX`, renewed and released by
 * compare-and-set scripts.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const pool = createAgentPool({ users, leases: new RedisLeaseStore(redis), checkpoints: new RedisCheckpointStore(redis), pipeline });
 */
export class RedisLeaseStore implements LeaseStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisLike,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'lp-agent-rx:';
  }

  async acquire(name: string, owner: string, ttl: number): Promise<Lease | undefined> {
    const token = await this.redis.eval(ACQUIRE, 2, this.leaseKey(name), this.fenceKey(name), owner, Math.ceil(ttl));
    return typeof token === 'number' ? { name, owner, token } : undefined;
  }

  async renew(lease: Lease, ttl: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.leaseKey(lease.name), valueOf(lease), Math.ceil(ttl))) === 1;
  }

  async release(lease: Lease): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.leaseKey(lease.name), valueOf(lease))) === 1;
  }

  async holder(name: string): Promise<Lease | undefined> {
    const value = await this.redis.eval(HOLDER, 1, this.leaseKey(name));
    if (typeof value !== 'string') return undefined;
    const bar = value.indexOf('|');
    const token = Number(value.slice(0, bar));
    return bar > 0 && Number.isInteger(token) ? { name, owner: value.slice(bar + 1), token } : undefined;
  }

  async heartbeat(worker: string, ttl: number): Promise<readonly string[]> {
    const roll = await this.redis.eval(HEARTBEAT, 1, `${this.prefix}workers`, worker, Math.ceil(ttl));
    return Array.isArray(roll) ? roll.filter((w): w is string => typeof w === 'string').sort() : [worker];
  }

  async leave(worker: string): Promise<void> {
    await this.redis.eval(LEAVE, 1, `${this.prefix}workers`, worker);
  }

  private leaseKey(name: string): string {
    return `${this.prefix}lease:{${name}}`;
  }

  private fenceKey(name: string): string {
    return `${this.prefix}fence:{${name}}`;
  }
}

/** Options of {@link RedisCheckpointStore}. */
export interface RedisCheckpointStoreOptions extends RedisStoreOptions {
  /** How long a checkpoint nobody saves again is kept, in ms. Default 7 days. */
  retention?: number;
}

const storedCheckpoint = t.type({ dialogs: t.record(t.string, t.number), savedAt: t.number });

/**
 * Checkpoints in Redis: a hash `lp-agent-rx:checkpoint:{user}` with `fence` and `data` (JSON).
 * A save under a lower fence than the stored one is refused by the script. What is loaded is
 * decoded and checked; a damaged checkpoint is an error, never a guess.
 *
 * @example
 * const checkpoints = new RedisCheckpointStore(redis, { retention: 24 * 3_600_000 });
 */
export class RedisCheckpointStore implements CheckpointStore {
  private readonly prefix: string;
  private readonly retention: number;

  constructor(
    private readonly redis: RedisLike,
    options: RedisCheckpointStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'lp-agent-rx:';
    this.retention = options.retention ?? 7 * 24 * 3_600_000;
  }

  /** The checkpoint last saved for a bot user, decoded and checked. */
  async load(user: string): Promise<Checkpoint | undefined> {
    const reply = await this.redis.eval(LOAD, 1, this.key(user));
    if (!Array.isArray(reply)) return undefined;
    const [fence, data] = reply as unknown[];
    if (typeof fence !== 'string' || typeof data !== 'string') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new Error(`checkpoint of ${user} is not JSON`);
    }
    const decoded = storedCheckpoint.decode(parsed);
    if (isLeft(decoded)) throw new Error(`checkpoint of ${user} does not decode`);
    return { fence: Number(fence), dialogs: decoded.right.dialogs, savedAt: decoded.right.savedAt };
  }

  async save(user: string, checkpoint: Checkpoint): Promise<boolean> {
    const data = JSON.stringify({ dialogs: checkpoint.dialogs, savedAt: checkpoint.savedAt });
    return (await this.redis.eval(SAVE, 1, this.key(user), checkpoint.fence, data, this.retention)) === 1;
  }

  private key(user: string): string {
    return `${this.prefix}checkpoint:{${user}}`;
  }
}

const valueOf = (lease: Lease): string => `${lease.token}|${lease.owner}`;
