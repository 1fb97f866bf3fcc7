/**
 * `lp-agent-rx/cluster`: bot users leased across worker processes, with fencing and checkpoints,
 * so a failover neither loses nor repeats a reply.
 *
 * @example
 * import { createAgentPool, RedisLeaseStore, RedisCheckpointStore } from 'lp-agent-rx/cluster';
 */
export * from './stores.js';
export * from './redisStores.js';
export type { BotContext, LossReason, PoolEvent, PoolPipeline, PoolUser, ReleaseReason } from './holding.js';
export * from './pool.js';
