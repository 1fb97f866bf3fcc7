import type { LoggerService, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  asyncScheduler,
  catchError,
  defer,
  firstValueFrom,
  identity,
  Observable,
  Subscription,
  tap,
  throwError,
  timeout,
  type SchedulerLike,
} from 'rxjs';
import type { Agent } from '../agent/index.js';
import { PipelineError, redact, type AgentError } from '../domain/errors.js';
import { retryBackoff } from '../operators/retryBackoff.js';
import { AgentConnectTimeout, describeAgent } from './errors.js';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_PIPELINE_RESTART, type AgentPipeline, type LpAgentNestOptions } from './options.js';

/**
 * What the supervisor needs besides the agent and its pipelines.
 *
 * @example
 * const settings: SupervisorSettings = { name: 'sales', connectTimeout: 30_000, pipelineRestart: DEFAULT_PIPELINE_RESTART };
 */
export interface SupervisorSettings extends LpAgentNestOptions {
  /** The agent's `name` in `forRoot`, for log lines and errors. */
  name?: string;
  /** Where the connect timeout runs (the agent's own scheduler). Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/**
 * The agent's lifecycle inside a Nest application, one per `forRoot`: connects on application
 * bootstrap (bounded by `connectTimeout`), then runs and supervises the pipelines; on shutdown
 * stops them and disposes of the agent. Provided by `LpAgentModule`; not meant to be injected.
 *
 * @example
 * const supervisor = new AgentSupervisor(agent, { connectTimeout: 5_000 }, [new AcceptRingsPipeline()], new Logger('bot'));
 * await supervisor.onApplicationBootstrap(); // connected, pipelines running
 * supervisor.onApplicationShutdown();        // pipelines stopped, agent disposed
 */
export class AgentSupervisor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly running = new Subscription();

  constructor(
    private readonly agent: Agent,
    private readonly settings: SupervisorSettings,
    private readonly pipelines: readonly AgentPipeline[],
    private readonly logger: LoggerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
    this.pipelines.forEach((pipeline, index) => this.running.add(this.supervise(pipeline, this.describePipeline(pipeline, index))));
  }

  onApplicationShutdown(): void {
    this.running.unsubscribe();
    this.agent.dispose();
  }

  /** Waits for the first connection; on failure disposes of the agent (no retry loop left behind) and rethrows. */
  private async connect(): Promise<void> {
    const { name, connectTimeout = DEFAULT_CONNECT_TIMEOUT, scheduler = asyncScheduler } = this.settings;
    let lastError: AgentError | undefined;
    const watch = this.agent.errors$.subscribe((error) => (lastError = error));
    const bounded = connectTimeout > 0 && Number.isFinite(connectTimeout);
    try {
      await firstValueFrom(
        this.agent.connect().pipe(
          bounded
            ? timeout({ first: connectTimeout, scheduler, with: () => throwError(() => new AgentConnectTimeout(name, connectTimeout, lastError)) })
            : identity,
        ),
      );
      this.logger.log(`${describeAgent(name)} connected as ${this.agent.identity?.legacyId ?? 'unknown'}`);
    } catch (error: unknown) {
      this.agent.dispose();
      this.logger.error(`${describeAgent(name)} could not connect: ${describeError(error)}`);
      throw error;
    } finally {
      watch.unsubscribe();
    }
  }

  /**
   * Runs one pipeline with `agent.run` and restarts it with backoff when it errors. The failure is
   * reported by `agent.run` itself (on `errors$`, as a PipelineError naming the pipeline) before the
   * restart is scheduled; disposing of the agent ends the supervision too.
   */
  private supervise(pipeline: AgentPipeline, label: string): Subscription {
    const { pipelineRestart = {} } = this.settings;
    const run$ = new Observable<void>((subscriber) => {
      let failure: PipelineError | undefined;
      const run = this.agent.run(
        defer(() => pipeline.pipeline(this.agent)).pipe(
          tap(() => subscriber.next()),
          catchError((error: unknown) => {
            failure = new PipelineError(`${label} failed: ${describeError(error)}`);
            return throwError(() => failure);
          }),
        ),
      );
      // Runs once agent.run has reported the failure (or the pipeline completed, or the agent was disposed).
      run.add(() => (failure ? subscriber.error(failure) : subscriber.complete()));
      return run;
    });
    return run$.pipe(retryBackoff({ ...DEFAULT_PIPELINE_RESTART, ...pipelineRestart })).subscribe({
      error: (error: unknown) => this.logger.error(`${label} stopped, restarts exhausted: ${describeError(error)}`),
    });
  }

  private describePipeline(pipeline: AgentPipeline, index: number): string {
    const className = pipeline.constructor.name;
    const which = className && className !== 'Object' ? className : `#${index}`;
    return `pipeline ${which}${this.settings.name ? ` of agent "${this.settings.name}"` : ''}`;
  }
}

function describeError(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
