import { RedisCheckpointStore, RedisLeaseStore, type CheckpointStore, type LeaseStore } from '../../src/cluster/index';
import { startRedis, type RedisServer } from '../support/redis';

/** A lease store and a checkpoint store that share one Redis key prefix. */
export interface Stores {
  leases: LeaseStore;
  checkpoints: CheckpointStore;
}

/**
 * Call inside a `describe`: one real redis-server for the block (started before it, killed after
 * it), and `freshStores()`, Redis stores over a new client under a key prefix of their own, so
 * specs on one server never see each other's keys.
 */
export function redisForBlock(): { server: () => RedisServer; freshStores: () => Stores } {
  let server: RedisServer | undefined;
  let run = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());
  const running = (): RedisServer => {
    if (!server) throw new Error('redis-server is not started yet (use it inside a spec)');
    return server;
  };
  return {
    server: running,
    freshStores: () => {
      const redis = running().client();
      const prefix = `spec${run++}:`;
      return { leases: new RedisLeaseStore(redis, { prefix }), checkpoints: new RedisCheckpointStore(redis, { prefix }) };
    },
  };
}
