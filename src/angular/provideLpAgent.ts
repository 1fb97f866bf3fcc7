import {
  DestroyRef,
  inject,
  makeEnvironmentProviders,
  NgZone,
  provideEnvironmentInitializer,
  type EnvironmentProviders,
} from '@angular/core';
import { createAgent, type AgentConfig } from '../agent/index.js';
import { provideLpPipelines, type LpPipeline } from './pipelines.js';
import { LP_AGENT, LP_AGENT_CONFIG } from './tokens.js';

/**
 * An optional feature of `provideLpAgent`, made by a `with...` function.
 *
 * @example
 * const features: LpAgentFeature[] = [withPipelines(acceptRings)];
 */
export interface LpAgentFeature {
  readonly kind: 'pipelines';
  readonly providers: EnvironmentProviders;
}

/**
 * Pipelines started with the agent, for `provideLpAgent`; the same as `provideLpPipelines` next
 * to it.
 *
 * @example
 * provideLpAgent(config, withPipelines((agent) => agent.rings$.pipe(acceptWaitingRings()), Greeter));
 *
 * @param pipelines Functions or classes turning the agent's streams into commands.
 * @return A feature for `provideLpAgent`.
 */
export function withPipelines(...pipelines: LpPipeline[]): LpAgentFeature {
  return { kind: 'pipelines', providers: provideLpPipelines(...pipelines) };
}

/**
 * Provides `LP_AGENT` in an environment injector (the app's, a route's, a test's): the agent is
 * created with `createAgent` and starts connecting, outside the Angular zone, as soon as the
 * injector is created; destroying the injector disposes it. Connecting does not hold up the app:
 * follow `connection$` (or `errors$`) for its progress. Components read the agent's streams with
 * `injectLpAgent()`.
 *
 * @example
 * bootstrapApplication(AppComponent, {
 *   providers: [
 *     provideLpAgent({ accountId: '12345678', username: 'bot', password }, withPipelines(acceptRings)),
 *   ],
 * });
 *
 * @param config What `createAgent` takes, or a function returning it, called in an injection context.
 * @param features `withPipelines(...)`.
 * @return Environment providers; not for a component's `providers`.
 */
export function provideLpAgent(config: AgentConfig | (() => AgentConfig), ...features: LpAgentFeature[]): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: LP_AGENT_CONFIG, useFactory: typeof config === 'function' ? config : () => config },
    {
      provide: LP_AGENT,
      useFactory: () => {
        const agent = inject(NgZone).runOutsideAngular(() => createAgent(inject(LP_AGENT_CONFIG)));
        inject(DestroyRef).onDestroy(() => agent.dispose());
        return agent;
      },
    },
    provideEnvironmentInitializer(() => {
      const agent = inject(LP_AGENT);
      // Failures are values on errors$; the subscription only starts the connection.
      inject(NgZone).runOutsideAngular(() => agent.connect().subscribe({ error: () => undefined }));
    }),
    ...features.map((feature) => feature.providers),
  ]);
}
