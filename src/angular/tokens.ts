import { InjectionToken } from '@angular/core';
import type { Agent, AgentConfig } from '../agent/index.js';

/**
 * The agent of an environment injector, created by `provideLpAgent` with `createAgent`, connected
 * outside the Angular zone when the injector starts and disposed when it is destroyed.
 *
 * @example
 * const agent = inject(LP_AGENT);
 * agent.run(agent.rings$.pipe(acceptWaitingRings()));
 */
export const LP_AGENT = new InjectionToken<Agent>('LP_AGENT');

/**
 * The configuration `provideLpAgent` was given (credentials and options of `createAgent`).
 *
 * @example
 * const { accountId } = inject(LP_AGENT_CONFIG);
 */
export const LP_AGENT_CONFIG = new InjectionToken<AgentConfig>('LP_AGENT_CONFIG');
