/**
 * `lp-agent-rx/nest`: LivePerson agents as NestJS providers. `LpAgentModule.forRoot(config)` (or
 * `forRootAsync`) provides the agent under `LP_AGENT` (or `getAgentToken(name)`), connects it on
 * application bootstrap, runs and supervises its pipelines, and disposes of it on shutdown.
 *
 * @example
 * import { LpAgentModule, LP_AGENT } from 'lp-agent-rx/nest';
 *
 * @Module({ imports: [LpAgentModule.forRoot({ accountId, username, password, pipelines: [AcceptRingsPipeline] })] })
 * export class AppModule {}
 */
export * from './lpAgentModule.js';
export * from './tokens.js';
export * from './options.js';
export type { LpAgentPoolOptions, LpAgentPoolModuleOptions } from './lpAgentPool.js';
export { AgentConnectTimeout } from './errors.js';
export { LpAgentHealthIndicator, type LpHealthResult, type UserHealth } from './health.js';
