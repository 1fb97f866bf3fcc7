import { firstValueFrom, skip } from 'rxjs';
import { acceptWaitingRings, createAgent, type Agent, type MessagingEvent } from '../../src/index';
import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import { collect, next } from './helpers';

/**
 * Issue #21's two scenarios over real sockets: dead air after a drop during joins, and a join query
 * that times out. Both failed on 38d50c9 (the first waited ~25 s before any catch-up).
 */
describe('faults at unlucky moments, against the emulator over real sockets', () => {
  let emulator: Emulator;
  let agent: Agent;

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 21 });
  });
  afterEach(async () => {
    agent.dispose();
    await emulator.close();
  });

  async function online(config: Parameters<typeof createAgent>[0] extends infer C ? Partial<C> : never): Promise<void> {
    const creds = emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 50, jitter: 0 }, ...config });
    agent.run(agent.rings$.pipe(acceptWaitingRings()));
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
  }

  it('catches up at once after a drop that cancelled the joins of 300 dialogs: messages written after the reconnect arrive within seconds', async () => {
    await online({});
    const consumers: Consumer[] = [];
    const joined = new Set<string>();
    const followed = next(agent.conversations$, (c) => c.myRole === 'ASSIGNED_AGENT' && joined.add(c.convId).size >= 300, 15_000);
    for (let i = 0; i < 300; i++) consumers.push(await emulator.consumer({ skillId: '-1' }));
    await followed;
    await firstValueFrom(agent.getClock());
    expect(agent.stats().catchUpBacklog).toBeGreaterThan(200); // the joins are paced at 10/s: most still wait
    const reopened = next(agent.connection$.pipe(skip(1)), (s) => s.status === 'open', 5_000);
    emulator.dropConnections(1006);
    await reopened;
    const writers = [consumers[3], consumers[150], consumers[299]] as Consumer[];
    const arrived = collect(agent.messages$, 3, (m: MessagingEvent) => m.type === 'ContentEvent' && m.event.message === 'written after the reconnect', 5_000);
    for (const c of writers) await c.send('written after the reconnect');
    const messages = await arrived;
    expect(new Set(messages.map((m) => m.convId))).toEqual(new Set(writers.map((c) => c.convId)));
  });

  it('retries a join whose query timed out, and delivers the first message before the next one', async () => {
    await online({ requestTimeout: 500 });
    emulator.faults.dropResponses('.ams.ms.QueryMessages');
    const delivered: MessagingEvent[] = [];
    agent.messages$.subscribe((m) => delivered.push(m));
    const timedOut = next(agent.errors$, (e) => e.kind === 'RequestTimeout', 5_000);
    const consumer = await emulator.consumer({ skillId: '-1' });
    await consumer.send('the first message');
    await timedOut;
    emulator.faults.clear();
    const both = collect(agent.messages$, 1, (m) => m.type === 'ContentEvent' && m.event.message === 'the second message', 10_000);
    await consumer.send('the second message');
    await both;
    const texts = delivered.flatMap((m) => (m.type === 'ContentEvent' && m.convId === consumer.convId ? [m.event.message] : []));
    expect(texts).toEqual(['the first message', 'the second message']);
  });
});
