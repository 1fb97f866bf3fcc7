import 'reflect-metadata';
import { Inject, Injectable, Module, type DynamicModule, type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { finalize, merge, NEVER, of, throwError, type Observable } from 'rxjs';
import { acceptWaitingRings, type Agent, type Command, type CommandResult, type ConnectionState } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorCredentials } from '../../src/emulator/index';
import {
  AgentConnectTimeout,
  getAgentToken,
  InjectAgent,
  LP_AGENT,
  LpAgentModule,
  type AgentPipeline,
} from '../../src/nest/index';
import { activeResources, collect, next } from '../integration/helpers';
import { eventually } from '../support/eventually';

/** Subscribes to rings, goes ONLINE (both remembered and replayed after reconnects) and accepts every waiting ring. */
@Injectable()
class AcceptRingsPipeline implements AgentPipeline {
  pipeline(agent: Agent): Observable<Command> {
    return merge(
      of<Command[]>(
        { type: '.ams.routing.SubscribeRoutingTasks', body: {} },
        { type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE' } },
      ),
      agent.rings$.pipe(acceptWaitingRings()),
    );
  }
}

/** Fails its first `failures` starts with 'boom' after one command, then runs quietly. */
@Injectable()
class FlakyPipeline implements AgentPipeline {
  starts = 0;
  failures = 2;
  /** Runs that ended; a restart needs the run before it to end. */
  ended = 0;
  pipeline(): Observable<Command> {
    this.starts += 1;
    const clock: Command = { type: '.GetClock', body: {} };
    const run = this.starts <= this.failures ? merge(of(clock), throwError(() => new Error('boom'))) : NEVER;
    return run.pipe(finalize(() => (this.ended += 1)));
  }
}

class AppConfig {
  constructor(
    readonly lp: EmulatorCredentials,
    readonly availability: 'ONLINE' | 'AWAY',
  ) {}
}

@Module({})
class ConfigModule {
  static register(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}

/** A pipeline with a dependency from `forRootAsync`'s imports. */
@Injectable()
class AvailabilityPipeline implements AgentPipeline {
  constructor(private readonly config: AppConfig) {}
  pipeline(): Observable<Command> {
    return merge(of<Command>({ type: '.ams.routing.SetAgentState', body: { availability: this.config.availability } }), NEVER);
  }
}

@Injectable()
class Greeter {
  constructor(
    @Inject(LP_AGENT) readonly agent: Agent,
    @InjectAgent() readonly sameAgent: Agent,
  ) {}
}

@Injectable()
class Desk {
  constructor(
    @InjectAgent('sales') readonly sales: Agent,
    @InjectAgent('support') readonly support: Agent,
  ) {}
}

class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
}


const ok = (type: string) => (r: CommandResult) => r.ok && r.command.type === type;

describe('LpAgentModule', () => {
  let emulator: Emulator;
  let app: TestingModule | undefined;
  let logger: RecordingLogger;
  /** Node's handles before this test's emulator started. */
  let before: Record<string, number>;

  beforeEach(async () => {
    before = activeResources();
    emulator = await startEmulator({ port: 0, seed: 1 });
    logger = new RecordingLogger();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await emulator.close();
  });

  async function compile(metadata: ModuleMetadata): Promise<TestingModule> {
    app = await Test.createTestingModule(metadata).setLogger(logger).compile();
    return app;
  }

  it('connects on application bootstrap and provides the agent under LP_AGENT', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
    const moduleRef = await compile({ imports: [LpAgentModule.forRoot({ ...creds, keepAlive: 0 })], providers: [Greeter] });
    expect(emulator.connections('bot')).toBe(0); // nothing before init

    await moduleRef.init();

    expect(emulator.connections('bot')).toBe(1);
    const agent = moduleRef.get<Agent>(LP_AGENT);
    expect(agent.identity?.legacyId).toBe(emulator.agentIdentity('bot').legacyId);
    const greeter = moduleRef.get(Greeter);
    expect(greeter.agent).toBe(agent);
    expect(greeter.sameAgent).toBe(agent);
    expect(logger.lines).toContain(`log LivePerson agent connected as ${emulator.agentIdentity('bot').legacyId}`);
  });

  it('runs a registered pipeline: acceptWaitingRings accepts a consumer ring', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    const moduleRef = await compile({ imports: [LpAgentModule.forRoot({ ...creds, pipelines: [AcceptRingsPipeline] })] });
    const agent = moduleRef.get<Agent>(LP_AGENT);
    const ready = collect(agent.results$, 2, (r) => r.ok);

    await moduleRef.init();
    await ready; // subscribed to routing tasks and ONLINE
    const accepted$ = next(agent.results$, ok('.ams.routing.UpdateRingState'));
    const consumer = await emulator.consumer({ skillId: '-1' });

    await accepted$;
    expect(emulator.conversation(consumer.convId)?.rings.find((r) => r.username === 'bot')?.ringState).toBe('ACCEPTED');
  });

  it('builds the agent with forRootAsync from an injected config provider', async () => {
    const lp = emulator.addAgent({ username: 'async-bot', password: 'secret' });
    const moduleRef = await compile({
      imports: [
        LpAgentModule.forRootAsync({
          imports: [ConfigModule.register(new AppConfig(lp, 'AWAY'))],
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({ ...config.lp, connectTimeout: 5_000 }),
          pipelines: [AvailabilityPipeline],
        }),
      ],
    });
    const agent = moduleRef.get<Agent>(LP_AGENT);
    const away = next(agent.results$, (r) => r.ok && r.command.type === '.ams.routing.SetAgentState' && r.command.body.availability === 'AWAY');

    await moduleRef.init();

    expect(emulator.connections('async-bot')).toBe(1);
    await away; // the pipeline got AppConfig from the async imports
  });

  it('provides several named agents in one application', async () => {
    const sales = emulator.addAgent({ username: 'sales', password: 'a' });
    const support = emulator.addAgent({ username: 'support', password: 'b' });
    const moduleRef = await compile({
      imports: [LpAgentModule.forRoot({ name: 'sales', ...sales }), LpAgentModule.forRoot({ name: 'support', ...support })],
      providers: [Desk],
    });

    await moduleRef.init();

    expect([emulator.connections('sales'), emulator.connections('support')]).toEqual([1, 1]);
    const desk = moduleRef.get(Desk);
    expect(desk.sales).toBe(moduleRef.get(getAgentToken('sales')));
    expect(desk.sales.identity?.legacyId).toBe(emulator.agentIdentity('sales').legacyId);
    expect(desk.support.identity?.legacyId).toBe(emulator.agentIdentity('support').legacyId);
    expect(() => moduleRef.get(LP_AGENT)).toThrow();
  });

  it('reports a failing pipeline on errors$ as a PipelineError and restarts it with backoff', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
    const moduleRef = await compile({
      imports: [LpAgentModule.forRoot({ ...creds, pipelines: [FlakyPipeline], pipelineRestart: { initialInterval: 20, jitter: 0 } })],
    });
    const agent = moduleRef.get<Agent>(LP_AGENT);
    const failures = collect(agent.errors$, 2, (e) => e.kind === 'PipelineError');

    await moduleRef.init();

    expect((await failures).map((e) => e.message)).toEqual([
      'pipeline FlakyPipeline failed: boom',
      'pipeline FlakyPipeline failed: boom',
    ]);
    const flaky = moduleRef.get(FlakyPipeline);
    await eventually(() => flaky.starts === 3, 'the third start');
    // Running again: the third run has not ended, and a restart needs it to end first.
    expect({ starts: flaky.starts, ended: flaky.ended }).toEqual({ starts: 3, ended: 2 });
  });

  it('stops restarting a pipeline once pipelineRestart.maxRetries is spent, and says so', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
    const moduleRef = await compile({
      imports: [LpAgentModule.forRoot({ ...creds, name: 'b', pipelines: [FlakyPipeline], pipelineRestart: { initialInterval: 10, maxRetries: 1 } })],
    });
    moduleRef.get(FlakyPipeline).failures = Infinity;

    await moduleRef.init();

    await eventually(() => logger.lines.some((l) => l.startsWith('error pipeline FlakyPipeline of agent "b" stopped')));
    expect(moduleRef.get(FlakyPipeline).starts).toBe(2);
  });

  it('fails bootstrap with AuthFailed when the credentials are refused, leaving nothing connected', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
    const moduleRef = await compile({ imports: [LpAgentModule.forRoot({ ...creds, password: 'wrong' })] });

    await expect(moduleRef.init()).rejects.toMatchObject({ kind: 'AuthFailed', fatal: true, stage: 'login' });
    app = undefined; // Nest's close() would rethrow the bootstrap error; the module already disposed of the agent
    expect(emulator.connections('bot')).toBe(0);
    expect(logger.lines.some((l) => l.startsWith('error LivePerson agent could not connect: '))).toBe(true);
  });

  it('fails bootstrap with AgentConnectTimeout when the agent cannot connect within connectTimeout', async () => {
    const gone = await startEmulator({ port: 0 });
    const creds = gone.addAgent({ username: 'bot', password: 'secret' });
    await gone.close(); // nothing listens there any more: every attempt is refused, none is fatal
    const moduleRef = await compile({
      imports: [LpAgentModule.forRoot({ ...creds, name: 'far', connectTimeout: 300, reconnect: { initialInterval: 20, jitter: 0 } })],
    });
    const states: string[] = [];
    moduleRef.get<Agent>(getAgentToken('far')).connection$.subscribe((s) => states.push(s.status));

    const failure = await moduleRef.init().then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(AgentConnectTimeout);
    expect(failure).toMatchObject({ agentName: 'far', timeoutMs: 300, lastError: { kind: 'AuthFailed', stage: 'csds', fatal: false } });
    expect((failure as Error).message).toMatch(/^LivePerson agent "far" did not connect within 300 ms \(last error: AuthFailed: /);
    app = undefined;
    expect(states.at(-1)).toBe('closed'); // disposed: no retry loop left behind
    expect(states).toContain('reconnecting');
  });

  it('disposes of the agent and stops its pipelines on app.close(), leaving no open handles', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
    let stopped = false;
    const watched: AgentPipeline = { pipeline: (agent) => agent.rings$.pipe(acceptWaitingRings(), finalize(() => (stopped = true))) };
    const moduleRef = await compile({ imports: [LpAgentModule.forRoot({ ...creds, keepAlive: 50, pipelines: [watched] })] });
    moduleRef.enableShutdownHooks();
    await moduleRef.init();
    const states: ConnectionState[] = [];
    moduleRef.get<Agent>(LP_AGENT).connection$.subscribe((s) => states.push(s));
    expect(emulator.connections('bot')).toBe(1);

    await moduleRef.close();
    app = undefined;

    expect(stopped).toBe(true);
    expect(states.at(-1)).toEqual({ status: 'closed', code: 1000 });
    await eventually(() => emulator.connections('bot') === 0);
    await emulator.close();
    // Closing handshakes finish on later turns of the loop. Handles of an earlier test may still be
    // closing at `before`: never more, maybe fewer.
    const leaks = (): string[] =>
      ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].filter((kind) => (activeResources()[kind] ?? 0) > (before[kind] ?? 0));
    await eventually(() => leaks().length === 0, 'no leaks', 2_000).catch(() => undefined);
    expect(leaks()).toEqual([]);
  });
});
