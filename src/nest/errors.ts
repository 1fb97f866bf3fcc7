import type { AgentError } from '../domain/errors.js';

/**
 * The agent did not connect within `connectTimeout` while the application bootstrapped, so
 * `app.init()` (or `NestFactory.create`) fails with this instead of waiting forever. Carries the
 * last error the agent reported while trying (a refused socket, a 5xx on login, ...), also as `cause`.
 *
 * @example
 * try {
 *   await app.init();
 * } catch (e) {
 *   if (e instanceof AgentConnectTimeout) console.error(e.message, e.lastError?.kind);
 * }
 */
export class AgentConnectTimeout extends Error {
  readonly kind = 'AgentConnectTimeout' as const;
  constructor(
    /** The agent's `name` in `forRoot`, if it has one. */
    readonly agentName: string | undefined,
    /** The bound that was reached, in ms. */
    readonly timeoutMs: number,
    /** The last error on `agent.errors$` before giving up, if any. */
    readonly lastError?: AgentError,
  ) {
    super(
      `${describeAgent(agentName)} did not connect within ${timeoutMs} ms` +
        (lastError ? ` (last error: ${lastError.kind}: ${lastError.message})` : ''),
      lastError ? { cause: lastError } : undefined,
    );
    this.name = 'AgentConnectTimeout';
  }
}

/**
 * How log lines and errors name an agent: `LivePerson agent "sales"`, or `LivePerson agent`.
 *
 * @example
 * describeAgent('sales'); // 'LivePerson agent "sales"'
 */
export function describeAgent(name: string | undefined): string {
  return name ? `LivePerson agent "${name}"` : 'LivePerson agent';
}
