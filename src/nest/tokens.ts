import { Inject } from '@nestjs/common';

/**
 * The injection token of the agent registered by `LpAgentModule.forRoot(...)` without a `name`.
 *
 * @example
 * import { Inject, Injectable } from '@nestjs/common';
 * import type { Agent } from 'lp-agent-rx';
 * import { LP_AGENT } from 'lp-agent-rx/nest';
 *
 * @Injectable()
 * export class Greeter {
 *   constructor(@Inject(LP_AGENT) private readonly agent: Agent) {}
 * }
 */
export const LP_AGENT = 'LP_AGENT';

/**
 * The injection token of the agent registered with `forRoot({ name, ... })`; without a name (or
 * with an empty one), {@link LP_AGENT}. One token per name, so several agents live in one app.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [LpAgentModule.forRoot({ name: 'sales', ...salesCreds })],
 * }).compile();
 * const sales = moduleRef.get<Agent>(getAgentToken('sales')); // token 'LP_AGENT:sales'
 *
 * @param name - The `name` given to `forRoot` / `forRootAsync`.
 * @return The token under which that agent is provided.
 */
export function getAgentToken(name?: string): string {
  return name ? `${LP_AGENT}:${name}` : LP_AGENT;
}

/**
 * Injects the agent of that `name` (or the unnamed one): shorthand for
 * `@Inject(getAgentToken(name))`, for constructor parameters and properties.
 *
 * @example
 * @Injectable()
 * export class Escalations {
 *   constructor(@InjectAgent('support') private readonly support: Agent) {}
 * }
 *
 * @param name - The `name` given to `forRoot` / `forRootAsync`; omit for the unnamed agent.
 * @return Nest's `@Inject` decorator for that agent's token.
 */
export function InjectAgent(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getAgentToken(name));
}

/**
 * The injection token of the agent pool `LpAgentModule.forPool` registers: `LP_AGENT_POOL`, or one
 * per `name`.
 *
 * @example
 * constructor(@Inject(LP_AGENT_POOL) private readonly pool: AgentPool) {}
 */
export const LP_AGENT_POOL = 'LP_AGENT_POOL';

/**
 * The token of a named pool.
 *
 * @example
 * @Inject(getPoolToken('sales')) pool: AgentPool
 */
export function getPoolToken(name?: string): string {
  return name ? `${LP_AGENT_POOL}:${name}` : LP_AGENT_POOL;
}

/**
 * The token of the health indicator `LpAgentModule` registers beside an agent or a pool (`name` as
 * given to `forRoot` / `forPool`; for a pool pass `{ pool: true }`). Unnamed ones are also
 * provided under the class `LpAgentHealthIndicator`.
 *
 * @example
 * @Inject(getHealthIndicatorToken('sales')) health: LpAgentHealthIndicator
 */
export function getHealthIndicatorToken(name?: string, options: { pool?: boolean } = {}): string {
  return `${options.pool ? getPoolToken(name) : getAgentToken(name)}:health`;
}
