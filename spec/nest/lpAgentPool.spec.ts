import 'reflect-metadata';
import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { filter, firstValueFrom, map, merge, type Observable } from 'rxjs';
import { acceptWaitingRings, contentEvents, sendText, type Agent, type Command } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { MemoryCheckpointStore, MemoryLeaseStore, type AgentPool, type BotContext } from '../../src/cluster/index';
import { LP_AGENT_POOL, LpAgentModule, getPoolToken, type AgentPipeline } from '../../src/nest/index';
import { eventually } from '../support/eventually';

/** Answers each consumer message with its text upper-cased, keyed by the message; counts the bot users it ran for. */
@Injectable()
class ShoutPipeline implements AgentPipeline {
  readonly users = new Set<string>();
  pipeline(agent: Agent, context?: BotContext): Observable<Command> {
    if (context) this.users.add(context.user);
    return merge(
      agent.rings$.pipe(acceptWaitingRings()),
      agent.messages$.pipe(
        contentEvents(),
        filter((m) => m.role === 'CONSUMER'),
        map((m) => sendText(m.dialogId, m.event.message.toUpperCase(), { replyTo: m })),
      ),
    );
  }
}

class Stores {
  readonly leases = new MemoryLeaseStore();
  readonly checkpoints = new MemoryCheckpointStore();
}

@Module({})
class StoresModule {
  static register(stores: Stores): DynamicModule {
    return { module: StoresModule, providers: [{ provide: Stores, useValue: stores }], exports: [Stores] };
  }
}

describe('LpAgentModule.forPool (NestJS hosting a pool of bot users)', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 9 });
  });
  afterEach(() => emulator.close());

  it('provides the pool, runs the pipeline classes for every bot user held, and closes the pool on shutdown', async () => {
    const users = ['bot-a', 'bot-b'].map((id) => ({ id, config: emulator.addAgent({ username: id, password: `pw-${id}`, skills: ['-1'] }) }));
    const stores = new Stores();
    @Injectable()
    class Watcher {
      constructor(@Inject(LP_AGENT_POOL) readonly pool: AgentPool) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        LpAgentModule.forPoolAsync({
          imports: [StoresModule.register(stores)],
          inject: [Stores],
          useFactory: (s: Stores) => ({ users, leases: s.leases, checkpoints: s.checkpoints, scanInterval: 20, agentOptions: { keepAlive: 0 } }),
          pipelines: [ShoutPipeline],
        }),
      ],
      providers: [Watcher],
    }).compile();
    const app = await moduleRef.init();
    const { pool } = app.get(Watcher);
    expect(app.get(getPoolToken())).toBe(pool);
    await eventually(() => emulator.connections('bot-a') === 1 && emulator.connections('bot-b') === 1, 'both bot users online');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const answer = firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent')));
    await consumer.send('hello');
    expect(await answer).toMatchObject({ event: { type: 'ContentEvent', message: 'HELLO' } });
    expect([...app.get(ShoutPipeline).users].sort()).toEqual(['bot-a', 'bot-b']);

    await app.close();
    expect(await stores.leases.holder('bot-a')).toBeUndefined();
    expect(await stores.leases.holder('bot-b')).toBeUndefined();
    await eventually(() => emulator.connections() === 0, 'every session closed');
  });

  it('forPool: a named pool from options known up front, with pipeline objects', async () => {
    const users = [{ id: 'bot-c', config: emulator.addAgent({ username: 'bot-c', password: 'pw-c', skills: ['-1'] }) }];
    const stores = new Stores();
    const shout = new ShoutPipeline();
    const moduleRef = await Test.createTestingModule({
      imports: [LpAgentModule.forPool({ name: 'sales', users, leases: stores.leases, checkpoints: stores.checkpoints, scanInterval: 20, agentOptions: { keepAlive: 0 }, pipelines: [shout] })],
    }).compile();
    const app = await moduleRef.init();
    const pool = app.get<AgentPool>(getPoolToken('sales'));
    await eventually(async () => (await firstValueFrom(pool.held$)).length === 1 && emulator.connections('bot-c') === 1, 'bot-c held and online');
    expect(shout.users).toEqual(new Set(['bot-c']));
    await app.close();
    expect(await stores.leases.holder('bot-c')).toBeUndefined();
  });
});
