/**
 * One worker process of the cluster specs and `npm run cluster-soak`: a pool over Redis running the
 * echo bot. Configured by environment (the credentials never reach argv, where `ps` shows them);
 * reports every pool event as a JSON line on stdout; closes gracefully on SIGTERM.
 *
 * CLUSTER_REDIS_URL, CLUSTER_USERS (JSON: [{ id, config }]), CLUSTER_WORKER, CLUSTER_TTL (ms).
 */
import { Redis } from 'ioredis';
import { createAgentPool, RedisCheckpointStore, RedisLeaseStore, type PoolUser } from '../../src/cluster/index';
import { echoBot } from './echoBot';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const redis = new Redis(env('CLUSTER_REDIS_URL'), { maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);
const ttl = Number(env('CLUSTER_TTL'));
const users = JSON.parse(env('CLUSTER_USERS')) as PoolUser[];
const pool = createAgentPool({
  users,
  workerId: env('CLUSTER_WORKER'),
  leases: new RedisLeaseStore(redis),
  checkpoints: new RedisCheckpointStore(redis),
  pipeline: echoBot,
  leaseTtl: ttl,
  scanInterval: Math.min(250, ttl / 6),
  checkpointInterval: 200,
  agentOptions: { keepAlive: 2_000, reconnect: { initialInterval: 200, jitter: 0.2 } },
});
const print = (line: object): void => void process.stdout.write(`${JSON.stringify({ ...line, at: Date.now() })}\n`);
pool.events$.subscribe((e) => print(e.type === 'error' ? { type: 'error', user: e.user, message: e.error.message } : e));
print({ type: 'started' });
process.once('SIGTERM', () => {
  void pool.close().then(() => {
    print({ type: 'closed' });
    redis.disconnect();
    process.exit(0);
  });
});
