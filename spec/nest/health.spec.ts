import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { firstValueFrom } from 'rxjs';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createTestAgent } from '../../src/testing/index';
import { MemoryCheckpointStore, MemoryLeaseStore, type AgentPool } from '../../src/cluster/index';
import { getHealthIndicatorToken, getPoolToken, LpAgentHealthIndicator, LpAgentModule, LP_AGENT } from '../../src/nest/index';
import type { Agent } from '../../src/index';
import { next } from '../integration/helpers';
import { eventually } from '../support/eventually';

describe('health: LpAgentHealthIndicator with @nestjs/terminus', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 71 });
  });
  afterEach(() => emulator.close());

  it('an agent is up when open and caught up, down while it reconnects', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule, LpAgentModule.forRoot({ ...creds, keepAlive: 0, reconnect: { initialInterval: 60_000, jitter: 0 } })],
    }).compile();
    const app = await moduleRef.init();
    try {
      const health = app.get(HealthCheckService);
      const lp = app.get(LpAgentHealthIndicator);
      expect(app.get(getHealthIndicatorToken())).toBe(lp);
      const up = await health.check([() => lp.isHealthy('liveperson')]);
      expect(up).toMatchObject({ status: 'ok', info: { liveperson: { status: 'up', connection: 'open', catchUpBacklog: 0 } } });
      const agent = app.get<Agent>(LP_AGENT);
      const dropped = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.dropConnections(1006);
      await dropped;
      await expect(health.check([() => lp.isHealthy('liveperson')])).rejects.toMatchObject({
        response: { status: 'error', error: { liveperson: { status: 'down', connection: 'reconnecting', reconnects: 1 } } },
      });
    } finally {
      await app.close();
    }
  });

  it('an agent still fetching history is not ready', () => {
    const agent = createTestAgent({ stats: { catchUpBacklog: 2 } });
    expect(new LpAgentHealthIndicator(agent).isHealthy('lp')).toEqual({ lp: { status: 'down', connection: 'open', catchUpBacklog: 2, reconnects: 0 } });
    agent.dispose();
  });

  it('a pool reports who holds which bot user, and is up when every one it holds is ready', async () => {
    const users = ['bot-a', 'bot-b'].map((id) => ({ id, config: emulator.addAgent({ username: id, password: `pw-${id}` }) }));
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule, LpAgentModule.forPool({ users, leases: new MemoryLeaseStore(), checkpoints: new MemoryCheckpointStore(), workerId: 'w-1', scanInterval: 20, agentOptions: { keepAlive: 0 } })],
    }).compile();
    const app = await moduleRef.init();
    try {
      const pool = app.get<AgentPool>(getPoolToken());
      const lp = app.get<LpAgentHealthIndicator>(getHealthIndicatorToken(undefined, { pool: true }));
      await eventually(() => pool.holdings().length === 2 && pool.holdings().every((h) => h.agent?.stats().status === 'open'), 'both bot users held and open');
      const result = await app.get(HealthCheckService).check([() => lp.isHealthy('pool')]);
      expect(result.info?.['pool']).toEqual({
        status: 'up',
        workerId: 'w-1',
        users: [
          { user: 'bot-a', token: 1, status: 'open', catchUpBacklog: 0, ready: true },
          { user: 'bot-b', token: 1, status: 'open', catchUpBacklog: 0, ready: true },
        ],
      });
      expect(await firstValueFrom(pool.held$)).toHaveLength(2);
    } finally {
      await app.close();
    }
  });
});
