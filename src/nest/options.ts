import type { Observable } from 'rxjs';
import type { Type } from '@nestjs/common';
import type { Agent, AgentConfig } from '../agent/index.js';
import type { BotContext } from '../cluster/holding.js';
import type { Command } from '../domain/commands.js';
import type { RetryBackoffConfig } from '../operators/retryBackoff.js';

/**
 * A bot's behaviour as a Nest provider: turns the agent's streams into commands. The module runs
 * it with `agent.run` once the agent is connected, restarts it with backoff when it errors and
 * stops it on shutdown. Register it with `LpAgentModule.forRoot({ pipelines: [...] })`.
 *
 * @example
 * import { merge, of, type Observable } from 'rxjs';
 * import { acceptWaitingRings, type Agent, type Command } from 'lp-agent-rx';
 * import type { AgentPipeline } from 'lp-agent-rx/nest';
 *
 * export class AcceptRingsPipeline implements AgentPipeline {
 *   pipeline(agent: Agent): Observable<Command> {
 *     return merge(
 *       of<Command[]>(
 *         { type: '.ams.routing.SubscribeRoutingTasks', body: {} },
 *         { type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE' } },
 *       ),
 *       agent.rings$.pipe(acceptWaitingRings()),
 *     );
 *   }
 * }
 */
export interface AgentPipeline {
  /** Called once per start (and again per restart): return a fresh stream of commands. */
  pipeline(agent: Agent, context?: BotContext): Observable<Command>;
}

/**
 * What `pipelines` takes: a class, registered as a provider of the agent's module (so its
 * constructor may inject what that module can see: global providers, `forRootAsync`'s `imports`,
 * the agent itself), or a ready-made object.
 *
 * @example
 * LpAgentModule.forRoot({ ...creds, pipelines: [AcceptRingsPipeline, { pipeline: (agent) => agent.messages$.pipe(markAsRead()) }] });
 */
export type PipelineDefinition = Type<AgentPipeline> | AgentPipeline;

/**
 * What the Nest module adds to `createAgent`'s config. Like the credentials, these may come from
 * `forRootAsync`'s factory.
 *
 * @example
 * LpAgentModule.forRoot({ ...creds, connectTimeout: 10_000, pipelineRestart: { initialInterval: 500 } });
 */
export interface LpAgentNestOptions {
  /**
   * How long application bootstrap waits for the first connection, in ms; past it bootstrap fails
   * with `AgentConnectTimeout`. `0` or `Infinity` waits as long as the reconnect policy tries.
   * Default 30 000.
   */
  connectTimeout?: number;
  /**
   * How a failed pipeline is restarted; see `retryBackoff`. Default
   * {@link DEFAULT_PIPELINE_RESTART}: after 1 s, doubling up to 30 s, ±20 % jitter, forever.
   */
  pipelineRestart?: RetryBackoffConfig;
}

/**
 * Options of `LpAgentModule.forRoot` (and the value `forRootAsync`'s factory returns): everything
 * `createAgent` takes, plus {@link LpAgentNestOptions}. Without a `logger`, the agent logs
 * through Nest's `Logger`.
 *
 * @example
 * const options: LpAgentModuleOptions = { accountId: '123', username: 'bot', password: process.env.LP_PASS ?? '', connectTimeout: 10_000 };
 */
export type LpAgentModuleOptions = AgentConfig & LpAgentNestOptions;

/**
 * Settings of the module itself, given next to the options in both `forRoot` and `forRootAsync`
 * (never by the async factory: they shape the providers).
 *
 * @example
 * LpAgentModule.forRootAsync({ name: 'sales', pipelines: [AcceptRingsPipeline], isGlobal: true, useFactory: () => creds });
 */
export interface LpAgentModuleExtras {
  /** Registers the agent under `getAgentToken(name)` instead of `LP_AGENT`; one name per agent. */
  name?: string;
  /** Pipelines run once connected, supervised, stopped on shutdown. Default none. */
  pipelines?: readonly PipelineDefinition[];
  /** Makes the agent injectable everywhere without importing the module. Default false. */
  isGlobal?: boolean;
}

/**
 * The default restart policy of a failing pipeline: first restart after 1 s, doubling up to 30 s,
 * ±20 % jitter, no limit. Emitting a command is not taken as proof of health (a pipeline that
 * emits one and then fails would otherwise restart every second): `resetOnSuccess: true` opts in.
 *
 * @example
 * LpAgentModule.forRoot({ ...creds, pipelineRestart: { ...DEFAULT_PIPELINE_RESTART, maxRetries: 10 } });
 */
export const DEFAULT_PIPELINE_RESTART = {
  initialInterval: 1_000,
  ratio: 2,
  maxInterval: 30_000,
  maxRetries: Infinity,
  jitter: 0.2,
  resetOnSuccess: false,
} as const satisfies RetryBackoffConfig;

/**
 * The default bound on the first connection during bootstrap, in ms.
 *
 * @example
 * LpAgentModule.forRoot({ ...creds, connectTimeout: 2 * DEFAULT_CONNECT_TIMEOUT });
 */
export const DEFAULT_CONNECT_TIMEOUT = 30_000;
