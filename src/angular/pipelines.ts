import {
  DestroyRef,
  EnvironmentInjector,
  inject,
  makeEnvironmentProviders,
  NgZone,
  provideEnvironmentInitializer,
  runInInjectionContext,
  type EnvironmentProviders,
  type Type,
} from '@angular/core';
import { catchError, EMPTY, mergeMap, type Observable } from 'rxjs';
import type { Agent } from '../agent/index.js';
import type { Command } from '../domain/index.js';
import { LP_AGENT } from './tokens.js';

/**
 * A functional pipeline: the agent's streams in, commands out. It is called once the agent is
 * connected (so `agent.identity` is known), in the injection context of the injector it was
 * provided in, so it may `inject()` what it needs.
 *
 * @example
 * const acceptRings: LpPipelineFn = (agent) => agent.rings$.pipe(acceptWaitingRings());
 */
export type LpPipelineFn = (agent: Agent) => Observable<Command>;

/**
 * A class-based pipeline: resolved with `inject` when its injector starts (so its fields may
 * `inject()` too); its `pipeline` method is called once the agent is connected.
 *
 * @example
 * class Greeter implements LpPipelineClass {
 *   private readonly greeting = inject(GREETING);
 *   pipeline(agent: Agent) {
 *     return agent.conversations$.pipe(dedupeConversations(), map((c) => sendText(c.convId, this.greeting)));
 *   }
 * }
 */
export interface LpPipelineClass {
  /** The commands to run for what `agent` sees; called once the agent has connected. */
  pipeline(agent: Agent): Observable<Command>;
}

/**
 * What `withPipelines` and `provideLpPipelines` take: a function or a class.
 *
 * @example
 * const pipelines: LpPipeline[] = [acceptRings, Greeter];
 */
export type LpPipeline = LpPipelineFn | Type<LpPipelineClass>;

function isPipelineClass(pipeline: LpPipeline): pipeline is Type<LpPipelineClass> {
  // Arrow functions have no prototype; plain functions have one without a `pipeline` method.
  const prototype: unknown = pipeline.prototype;
  return typeof prototype === 'object' && prototype !== null && typeof (prototype as Partial<LpPipelineClass>).pipeline === 'function';
}

/** Classes are instantiated now (in the injection context); functions are called later, in it again. */
function resolvePipeline(pipeline: LpPipeline, injector: EnvironmentInjector): LpPipelineFn {
  if (!isPipelineClass(pipeline)) return (agent) => runInInjectionContext(injector, () => pipeline(agent));
  const instance = inject(pipeline);
  return (agent) => instance.pipeline(agent);
}

/**
 * Registers pipelines in the environment injector it is provided in, like ngrx's `provideEffects`:
 * in the app's providers next to `provideLpAgent`, or in a lazy route's `providers` to run while
 * that route's injector lives. Pipelines are called once the agent is connected (not at all if
 * it never connects: that failure is on `errors$`) and keep running across reconnects; their
 * commands are run with `agent.run` outside the Angular zone. Destroying the injector
 * unsubscribes them. Needs `provideLpAgent` in the same or a parent injector.
 *
 * @example
 * export const routes: Routes = [
 *   { path: 'desk', loadComponent: () => import('./desk'), providers: [provideLpPipelines(acceptRings, Greeter)] },
 * ];
 *
 * @param pipelines Functions or classes turning the agent's streams into commands.
 * @return Environment providers that start the pipelines when the injector is created.
 */
export function provideLpPipelines(...pipelines: LpPipeline[]): EnvironmentProviders {
  return makeEnvironmentProviders([
    ...pipelines.filter(isPipelineClass),
    provideEnvironmentInitializer(() => {
      const agent = inject(LP_AGENT);
      const zone = inject(NgZone);
      const injector = inject(EnvironmentInjector);
      const runs = pipelines.map((pipeline) => {
        const build = resolvePipeline(pipeline, injector);
        const commands$ = agent.connect().pipe(
          // A failed connect is already on errors$; the pipeline just never starts.
          catchError(() => EMPTY),
          mergeMap(() => build(agent)),
        );
        return zone.runOutsideAngular(() => agent.run(commands$));
      });
      inject(DestroyRef).onDestroy(() => {
        for (const run of runs) run.unsubscribe();
      });
    }),
  ]);
}
