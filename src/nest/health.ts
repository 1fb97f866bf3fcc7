import type { Provider } from '@nestjs/common';
import { isAgentReady, type Agent } from '../agent/index.js';
import type { AgentPool } from '../cluster/pool.js';

/**
 * One bot user's part of a health check.
 *
 * @example
 * const user: UserHealth = { user: 'bot-1', token: 7, status: 'open', catchUpBacklog: 0, ready: true };
 */
export interface UserHealth {
  readonly user: string;
  /** The lease's fencing token. */
  readonly token: number;
  readonly status: string;
  readonly catchUpBacklog: number;
  readonly ready: boolean;
}

/**
 * A health indicator's answer, in the shape `@nestjs/terminus` expects (`HealthIndicatorResult`).
 *
 * @example
 * const result: LpHealthResult<'lp'> = { lp: { status: 'up', connection: 'open', catchUpBacklog: 0 } };
 */
export type LpHealthResult<Key extends string> = Record<Key, { status: 'up' | 'down' } & Record<string, unknown>>;

/**
 * A health indicator for `@nestjs/terminus` (or any health endpoint) over an agent or a pool.
 * An agent is `up` when ready ({@link isAgentReady}); a pool is `up` when every bot user it holds
 * is ready (a pool holding nobody is up: an idle worker is healthy), and its answer lists who holds
 * which user. `LpAgentModule` provides one (inject `LpAgentHealthIndicator`, or the token
 * `getHealthIndicatorToken(name)`).
 *
 * @example
 * @Controller('health')
 * class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly lp: LpAgentHealthIndicator) {}
 *   @Get() @HealthCheck() check() { return this.health.check([() => this.lp.isHealthy('liveperson')]); }
 * }
 */
export class LpAgentHealthIndicator {
  constructor(private readonly target: Agent | AgentPool) {}

  /** The health of the agent (or of every bot user the pool holds) under `key`. */
  isHealthy<const Key extends string>(key: Key): LpHealthResult<Key> {
    const { target } = this;
    if ('holdings' in target) {
      const users: UserHealth[] = target.holdings().map((h) => {
        const stats = h.agent?.stats();
        const status = stats?.status ?? 'starting';
        const catchUpBacklog = stats?.catchUpBacklog ?? 0;
        return { user: h.user, token: h.token, status, catchUpBacklog, ready: h.agent !== undefined && isAgentReady(h.agent) };
      });
      return result(key, { status: users.every((u) => u.ready) ? 'up' : 'down', workerId: target.workerId, users });
    }
    const stats = target.stats();
    return result(key, { status: isAgentReady(target) ? 'up' : 'down', connection: stats.status, catchUpBacklog: stats.catchUpBacklog, reconnects: stats.reconnects });
  }
}

function result<Key extends string>(key: Key, value: { status: 'up' | 'down' } & Record<string, unknown>): LpHealthResult<Key> {
  return { [key]: value } as Record<string, typeof value> as LpHealthResult<Key>;
}

/**
 * The health indicator over the agent or pool at `target`, under `token`, and under the class when
 * the module is unnamed.
 *
 * @example
 * providers: [...healthProviders(LP_AGENT, 'LP_AGENT:health', undefined)];
 */
export function healthProviders(target: string, token: string, name: string | undefined): Provider[] {
  const indicator: Provider = { provide: token, useFactory: (agentOrPool: Agent | AgentPool) => new LpAgentHealthIndicator(agentOrPool), inject: [target] };
  return name === undefined ? [indicator, { provide: LpAgentHealthIndicator, useExisting: token }] : [indicator];
}
