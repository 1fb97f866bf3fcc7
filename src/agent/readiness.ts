import type { Agent } from './types.js';

/**
 * The readiness rule: an agent is ready when its connection is open and it is caught up (no
 * dialog's history still on its way), i.e. it answers in real time.
 *
 * @example
 * http.createServer((req, res) => res.writeHead(isAgentReady(agent) ? 200 : 503).end()).listen(8080);
 */
export function isAgentReady(agent: Agent): boolean {
  const stats = agent.stats();
  return stats.status === 'open' && stats.catchUpBacklog === 0;
}
