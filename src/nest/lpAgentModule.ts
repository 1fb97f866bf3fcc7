import { ConfigurableModuleBuilder, Logger, type DynamicModule, type LoggerService, type Provider, type Type } from '@nestjs/common';
import { createAgent, type Agent, type AgentConfig, type Logger as AgentLogger } from '../agent/index.js';
import { AgentSupervisor } from './agentSupervisor.js';
import type { AgentPipeline, LpAgentModuleExtras, LpAgentModuleOptions } from './options.js';
import { getAgentToken, getHealthIndicatorToken } from './tokens.js';
import { healthProviders, LpAgentHealthIndicator } from './health.js';
import { poolModule, type LpAgentPoolModuleOptions, type LpAgentPoolOptions } from './lpAgentPool.js';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = new ConfigurableModuleBuilder<LpAgentModuleOptions>({ moduleName: 'LpAgent' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createLpAgentOptions')
  .setExtras<LpAgentModuleExtras>({ name: undefined, pipelines: [], isGlobal: false }, (definition, extras) => withAgent(definition, extras))
  .build();

/**
 * One LivePerson agent per import, as a Nest provider: `forRoot(config)` or
 * `forRootAsync({ imports, inject, useFactory })` registers `createAgent(config)` under `LP_AGENT`
 * (or `getAgentToken(name)`), connects it when the application bootstraps (bootstrap fails if it
 * cannot within `connectTimeout`, or if the credentials are refused), runs and supervises its
 * `pipelines`, and disposes of it on shutdown (`app.close()`, or a signal with
 * `app.enableShutdownHooks()`).
 *
 * Built with Nest's `ConfigurableModuleBuilder` and no decorators, so the library needs neither
 * `experimentalDecorators` nor `emitDecoratorMetadata`; your app may use either kind.
 *
 * @example
 * import { Module } from '@nestjs/common';
 * import { LpAgentModule } from 'lp-agent-rx/nest';
 *
 * @Module({
 *   imports: [
 *     LpAgentModule.forRootAsync({
 *       imports: [ConfigModule],
 *       inject: [AppConfig],
 *       useFactory: (config: AppConfig) => ({ accountId: config.account, username: config.user, password: config.password }),
 *       pipelines: [AcceptRingsPipeline],
 *     }),
 *   ],
 *   providers: [Greeter], // constructor(@Inject(LP_AGENT) agent: Agent)
 * })
 * export class AppModule {}
 */
export class LpAgentModule extends ConfigurableModuleClass {
  /**
   * Registers an agent from a config known up front.
   *
   * @example
   * LpAgentModule.forRoot({ accountId, username: 'bot', password, pipelines: [AcceptRings] });
   */
  declare static forRoot: (typeof ConfigurableModuleClass)['forRoot'];
  /**
   * Registers an agent whose config comes from other providers (`useFactory` + `inject`).
   *
   * @example
   * LpAgentModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (c: ConfigService) => c.get('lp') });
   */
  declare static forRootAsync: (typeof ConfigurableModuleClass)['forRootAsync'];

  /**
   * Hosts a pool of bot users instead of one agent (see `lp-agent-rx/cluster`): the pool is
   * provided under `LP_AGENT_POOL` (or `getPoolToken(name)`), runs `pipelines` for every bot user
   * it holds, and closes on shutdown (checkpoints saved, leases released), so another worker takes
   * over at once. Call `app.enableShutdownHooks()` so SIGTERM closes it.
   *
   * @example
   * LpAgentModule.forPool({ users, leases: new RedisLeaseStore(redis), checkpoints: new RedisCheckpointStore(redis), pipelines: [EchoPipeline] });
   */
  static forPool(options: LpAgentPoolOptions & Omit<LpAgentPoolModuleOptions, 'useFactory' | 'inject' | 'imports'>): DynamicModule {
    const { name, pipelines, isGlobal, ...config } = options;
    return poolModule(LpAgentModule, { useFactory: () => config, ...(name !== undefined ? { name } : {}), ...(pipelines ? { pipelines } : {}), ...(isGlobal !== undefined ? { isGlobal } : {}) });
  }

  /**
   * A pool whose options come from other providers (`useFactory` + `inject`), e.g. a Redis client.
   *
   * @example
   * LpAgentModule.forPoolAsync({ imports: [RedisModule], inject: [REDIS], useFactory: (redis: Redis) => ({ users, leases: new RedisLeaseStore(redis), checkpoints: new RedisCheckpointStore(redis) }), pipelines: [EchoPipeline] });
   */
  static forPoolAsync(options: LpAgentPoolModuleOptions): DynamicModule {
    return poolModule(LpAgentModule, options);
  }
}

/** Adds the agent (exported), the pipeline classes and the supervisor to the options provider the builder made. */
function withAgent(definition: DynamicModule, extras: LpAgentModuleExtras): DynamicModule {
  const { name, pipelines = [], isGlobal = false } = extras;
  const agentToken = getAgentToken(name);
  const logger = new Logger(name ? `LpAgentModule:${name}` : 'LpAgentModule');
  const classes = pipelines.filter(isPipelineClass);
  const agentProvider: Provider<Agent> = {
    provide: agentToken,
    useFactory: (options: LpAgentModuleOptions) => createAgent({ logger: agentLogger(logger), ...agentConfig(options) }),
    inject: [MODULE_OPTIONS_TOKEN],
  };
  const supervisorProvider: Provider<AgentSupervisor> = {
    provide: AgentSupervisor,
    useFactory: (agent: Agent, options: LpAgentModuleOptions, ...instances: AgentPipeline[]) => {
      let next = 0;
      // In the order given: classes as Nest built them, objects as they are.
      const resolved = pipelines.map((p) => (isPipelineClass(p) ? (instances[next++] as AgentPipeline) : p));
      const { connectTimeout, pipelineRestart, scheduler } = options;
      return new AgentSupervisor(agent, { name, connectTimeout, pipelineRestart, scheduler }, resolved, logger);
    },
    inject: [agentToken, MODULE_OPTIONS_TOKEN, ...classes],
  };
  return {
    ...definition,
    global: isGlobal,
    providers: [...(definition.providers ?? []), ...classes, agentProvider, supervisorProvider, ...healthProviders(agentToken, getHealthIndicatorToken(name), name)],
    exports: [agentToken, getHealthIndicatorToken(name), ...(name === undefined ? [LpAgentHealthIndicator] : [])],
  };
}

function agentConfig(options: LpAgentModuleOptions): AgentConfig {
  const { connectTimeout: _connectTimeout, pipelineRestart: _pipelineRestart, ...config } = options;
  return config;
}

function agentLogger(logger: LoggerService): AgentLogger {
  return {
    debug: (message) => logger.debug?.(message),
    info: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}

function isPipelineClass(pipeline: Type<AgentPipeline> | AgentPipeline): pipeline is Type<AgentPipeline> {
  return typeof pipeline === 'function';
}

