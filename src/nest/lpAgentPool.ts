import { Logger, type DynamicModule, type LoggerService, type ModuleMetadata, type OnApplicationShutdown, type Provider, type Type } from '@nestjs/common';
import { merge } from 'rxjs';
import type { Logger as AgentLogger } from '../agent/index.js';
import { createAgentPool, type AgentPool, type AgentPoolConfig, type PoolPipeline } from '../cluster/index.js';
import type { AgentPipeline, PipelineDefinition } from './options.js';
import { getHealthIndicatorToken, getPoolToken } from './tokens.js';
import { healthProviders, LpAgentHealthIndicator } from './health.js';

/**
 * A pool's config in Nest: {@link AgentPoolConfig} with the pipeline optional (the module's
 * `pipelines` run for every bot user held, merged with it).
 *
 * @example
 * const options: LpAgentPoolOptions = { users, leases: new RedisLeaseStore(redis), checkpoints: new RedisCheckpointStore(redis), closeOn: [] };
 */
export type LpAgentPoolOptions = Omit<AgentPoolConfig, 'pipeline'> & { pipeline?: PoolPipeline };

/**
 * How `LpAgentModule.forPoolAsync` builds the pool's options and which pipelines it runs.
 *
 * @example
 * LpAgentModule.forPoolAsync({ imports: [RedisModule], inject: [Redis], useFactory: (redis: Redis) => poolOptions(redis), pipelines: [EchoPipeline] });
 */
export interface LpAgentPoolModuleOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Registers the pool under `getPoolToken(name)` instead of `LP_AGENT_POOL`. */
  name?: string;
  /** Pipelines (classes Nest builds, or objects) run for every bot user held. */
  pipelines?: readonly PipelineDefinition[];
  /** Makes the pool injectable everywhere. Default false. */
  isGlobal?: boolean;
  /** Providers whose instances `useFactory` receives, in order (Nest's `inject`). */
  inject?: (string | symbol | Type<unknown>)[];
  /** Builds the pool's options from the providers in `inject`. */
  useFactory: (...args: never[]) => LpAgentPoolOptions | Promise<LpAgentPoolOptions>;
}

/** Closes the pool on application shutdown: each bot user's checkpoint saved and lease released. */
class PoolShutdown implements OnApplicationShutdown {
  constructor(private readonly pool: AgentPool) {}

  onApplicationShutdown(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * The dynamic module behind `LpAgentModule.forPool` / `forPoolAsync`.
 *
 * @example
 * const module = poolModule(LpAgentModule, { useFactory: () => options, pipelines: [EchoPipeline] });
 */
export function poolModule(module: Type<unknown>, options: LpAgentPoolModuleOptions): DynamicModule {
  const { name, pipelines = [], isGlobal = false, imports = [], inject = [] } = options;
  const token = getPoolToken(name);
  const optionsToken = `${token}:options`;
  const logger = new Logger(name ? `LpAgentPool:${name}` : 'LpAgentPool');
  const classes = pipelines.filter((p): p is Type<AgentPipeline> => typeof p === 'function');
  const optionsProvider: Provider = { provide: optionsToken, useFactory: options.useFactory as (...args: unknown[]) => unknown, inject };
  const poolProvider: Provider<AgentPool> = {
    provide: token,
    useFactory: (config: LpAgentPoolOptions, ...instances: AgentPipeline[]) => {
      let next = 0;
      const resolved = pipelines.map((p) => (typeof p === 'function' ? (instances[next++] as AgentPipeline) : p));
      const pipeline: PoolPipeline = (agent, context) =>
        merge(...resolved.map((p) => p.pipeline(agent, context)), ...(config.pipeline ? [config.pipeline(agent, context)] : []));
      return createAgentPool({ logger: poolLogger(logger), ...config, pipeline });
    },
    inject: [optionsToken, ...classes],
  };
  const shutdownProvider: Provider = { provide: PoolShutdown, useFactory: (pool: AgentPool) => new PoolShutdown(pool), inject: [token] };
  return {
    module,
    global: isGlobal,
    imports,
    providers: [optionsProvider, ...classes, poolProvider, shutdownProvider, ...healthProviders(token, getHealthIndicatorToken(name, { pool: true }), name)],
    exports: [token, getHealthIndicatorToken(name, { pool: true }), ...(name === undefined ? [LpAgentHealthIndicator] : [])],
  };
}

function poolLogger(logger: LoggerService): AgentLogger {
  return {
    info: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}
