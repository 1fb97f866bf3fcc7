import { inject, NgZone } from '@angular/core';
import type { Agent } from '../agent/index.js';
import { enterZone } from './enterZone.js';
import { LP_AGENT } from './tokens.js';

/**
 * The agent's streams for components: subscribed outside the Angular zone, delivered inside it
 * (`enterZone`), so change detection sees every emission and `toSignal` works on each of them.
 *
 * @example
 * const { messages$, connection$ } = injectLpAgent();
 * readonly status = toSignal(connection$.pipe(map((s) => s.status)), { requireSync: true });
 */
export interface LpAgentStreams
  extends Pick<
    Agent,
    | 'connection$'
    | 'notifications$'
    | 'rings$'
    | 'conversations$'
    | 'messages$'
    | 'chatState$'
    | 'agentState$'
    | 'errors$'
    | 'results$'
  > {
  /** The agent itself, for commands (`agent.run`, `agent.publishEvent`, ...). */
  readonly agent: Agent;
}

/**
 * Injects the agent of `provideLpAgent` and returns its streams piped through `enterZone`. Call it
 * in an injection context (a field initializer, a constructor, `runInInjectionContext`).
 *
 * @example
 * @Component({ selector: 'app-inbox', template: `@for (m of texts(); track $index) { <p>{{ m }}</p> }` })
 * export class InboxComponent {
 *   private readonly lp = injectLpAgent();
 *   readonly texts = toSignal(this.lp.messages$.pipe(contentEvents(), scan((all, m) => [...all, m.event.message], [] as string[])), { initialValue: [] });
 * }
 *
 * @return The zone-aware streams and the agent.
 */
export function injectLpAgent(): LpAgentStreams {
  const agent = inject(LP_AGENT);
  const zone = inject(NgZone);
  return {
    agent,
    connection$: agent.connection$.pipe(enterZone(zone)),
    notifications$: agent.notifications$.pipe(enterZone(zone)),
    rings$: agent.rings$.pipe(enterZone(zone)),
    conversations$: agent.conversations$.pipe(enterZone(zone)),
    messages$: agent.messages$.pipe(enterZone(zone)),
    chatState$: agent.chatState$.pipe(enterZone(zone)),
    agentState$: agent.agentState$.pipe(enterZone(zone)),
    errors$: agent.errors$.pipe(enterZone(zone)),
    results$: agent.results$.pipe(enterZone(zone)),
  };
}
