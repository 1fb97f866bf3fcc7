import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { channelNames, createAgent, type AgentConfig, type LeaseMessage } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import {
  createAgentPool,
  MemoryCheckpointStore,
  MemoryLeaseStore,
  type AgentPool,
  type CheckpointStore,
  type AgentPoolConfig,
  type Lease,
  type LeaseStore,
  type PoolEvent,
} from '../../src/cluster/index';
import { eventually } from '../support/eventually';
import { describeWithRedis } from '../support/redis';
import { redisForBlock, type Stores } from './redisFixture';
import { answerTo, echoBot } from './echoBot';

/** The pool's behaviour, whichever stores it is given. */
function poolSpecs(storeName: string, makeStores: () => { leases: LeaseStore; checkpoints: CheckpointStore }): void {
describe(`createAgentPool (${storeName} stores, the emulator over loopback)`, () => {
  let emulator: Emulator;
  let users: AgentPoolConfig['users'];
  let pools: AgentPool[];
  const agentOptions: Partial<AgentConfig> = { keepAlive: 0, reconnect: { initialInterval: 20, jitter: 0 } };

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 12 });
    users = ['bot-1', 'bot-2', 'bot-3', 'bot-4', 'bot-5', 'bot-6'].map((id) => ({ id, config: emulator.addAgent({ username: id, password: `pw-${id}`, skills: ['-1'] }) }));
    pools = [];
  });

  afterEach(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await emulator.close();
  });

  function pool(config: Partial<AgentPoolConfig> & Pick<AgentPoolConfig, 'leases' | 'checkpoints'>): AgentPool {
    const p = createAgentPool({ users, pipeline: echoBot, agentOptions, leaseTtl: 900, scanInterval: 30, checkpointInterval: 30, ...config });
    pools.push(p);
    return p;
  }

  const heldBy = (p: AgentPool): Promise<string[]> => firstValueFrom(p.held$.pipe(map((h) => h.map((u) => u.user))));
  const online = (ids: readonly string[]): boolean => ids.every((id) => emulator.connections(id) === 1);

  it('holds every bot user alone, brings each online, and answers consumers through the pipeline, keyed by the message', async () => {
    const leases = makeStores().leases;
    const p = pool({ leases, checkpoints: makeStores().checkpoints, workerId: 'w-a' });
    await eventually(async () => (await heldBy(p)).length === 6 && online(users.map((u) => u.id)), 'every bot user held and online');
    expect(await leases.holder('bot-1')).toMatchObject({ owner: 'w-a', token: 1 });
    const consumer = await emulator.consumer({ skillId: '-1' });
    const answers = firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent'), take(2), toArray()));
    await consumer.send('one');
    await consumer.send('two');
    expect((await answers).map((r) => r.event.type === 'ContentEvent' && r.event.message)).toEqual([answerTo('one'), answerTo('two')]);
  });

  it('splits the bot users fairly, rebalances when a worker joins, and hands a closed worker\'s users over', async () => {
    const { leases, checkpoints } = makeStores();
    const a = pool({ leases, checkpoints, workerId: 'w-a' });
    const b = pool({ leases, checkpoints, workerId: 'w-b' });
    await eventually(async () => (await heldBy(a)).length === 3 && (await heldBy(b)).length === 3, 'a 3/3 split');
    const c = pool({ leases, checkpoints, workerId: 'w-c' });
    await eventually(async () => (await heldBy(a)).length === 2 && (await heldBy(b)).length === 2 && (await heldBy(c)).length === 2, 'a 2/2/2 split');
    const all = [...(await heldBy(a)), ...(await heldBy(b)), ...(await heldBy(c))].sort();
    expect(all).toEqual(users.map((u) => u.id));
    await a.close();
    await eventually(async () => (await heldBy(b)).length === 3 && (await heldBy(c)).length === 3, 'a 3/3 split after w-a closed');
    await eventually(() => online(users.map((u) => u.id)), 'every bot user online again');
    expect(users.map((u) => emulator.connections(u.id))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('holds at most its capacity, and publishes its lease events on the lp-agent-rx:lease channel', async () => {
    const leaseEvents: LeaseMessage[] = [];
    const listener = (m: unknown): void => void leaseEvents.push(m as LeaseMessage);
    subscribe(channelNames.lease, listener);
    const p = pool({ leases: makeStores().leases, checkpoints: makeStores().checkpoints, capacity: 2 });
    await eventually(async () => (await heldBy(p)).length === 2, 'two bot users held');
    await eventually(() => users.filter((u) => emulator.connections(u.id) === 1).length === 2, 'two sessions');
    expect((await heldBy(p)).length).toBe(2);
    unsubscribe(channelNames.lease, listener);
    const acquired = leaseEvents.filter((m) => m.workerId === p.workerId && m.event.type === 'acquired').map((m) => m.event.user);
    expect(acquired.sort()).toEqual([...(await heldBy(p))].sort());
  });

  it('stops an agent whose lease it cannot renew before the lease could run out', async () => {
    const leases = makeStores().leases;
    let failing = false;
    const flaky: LeaseStore = {
      acquire: (n, o, t) => leases.acquire(n, o, t),
      renew: (l, t) => (failing ? Promise.reject(new Error('redis unreachable')) : leases.renew(l, t)),
      release: (l) => (failing ? Promise.reject(new Error('redis unreachable')) : leases.release(l)),
      holder: (n) => leases.holder(n),
      heartbeat: (w, t) => leases.heartbeat(w, t),
      leave: (w) => leases.leave(w),
    };
    users = users.slice(0, 1);
    const p = pool({ leases: flaky, checkpoints: makeStores().checkpoints });
    await eventually(() => emulator.connections('bot-1') === 1, 'bot-1 online');
    const held = (await leases.holder('bot-1')) as Lease;
    // At the instant the agent is stopped, its lease is still valid in the store: no second owner yet.
    const stoppedWhile = firstValueFrom(
      p.events$.pipe(
        filter((e): e is Extract<PoolEvent, { type: 'lost' }> => e.type === 'lost'),
        map(async (e) => ({ reason: e.reason, leaseStillHeld: (await leases.holder('bot-1'))?.token === held.token })),
      ),
    );
    failing = true;
    const lost = await (await stoppedWhile);
    expect(lost).toEqual({ reason: 'renewOverdue', leaseStillHeld: true });
    await eventually(() => emulator.connections('bot-1') === 0, 'bot-1 session closed');
    // Only then may another worker take it, with a higher token.
    failing = false;
    await eventually(async () => (await leases.holder('bot-1')) === undefined, 'the lease to lapse', 3_000);
  });

  it('stops at once when a renewal is refused (the lease changed hands)', async () => {
    const leases = makeStores().leases;
    users = users.slice(0, 1);
    const p = pool({ leases, checkpoints: makeStores().checkpoints });
    await eventually(() => emulator.connections('bot-1') === 1, 'bot-1 online');
    const lost = firstValueFrom(p.events$.pipe(filter((e) => e.type === 'lost')));
    await leases.release((await leases.holder('bot-1')) as Lease);
    expect(await lost).toMatchObject({ type: 'lost', user: 'bot-1', reason: 'renewRefused' });
  });

  it('stops at once when its checkpoint is refused under a newer fencing token', async () => {
    users = users.slice(0, 1);
    const { leases, checkpoints } = makeStores();
    const p = pool({ leases, checkpoints });
    await eventually(() => emulator.connections('bot-1') === 1, 'bot-1 online');
    const token = (await leases.holder('bot-1'))?.token ?? 0;
    // A successor's write under a newer token (as after a partition): this worker may write no more.
    await checkpoints.save('bot-1', { fence: token + 1, dialogs: {}, savedAt: 0 });
    const lost = firstValueFrom(p.events$.pipe(filter((e) => e.type === 'lost')));
    const consumer = await emulator.consumer({ skillId: '-1' });
    await consumer.send('moves the watermark');
    expect(await lost).toMatchObject({ type: 'lost', user: 'bot-1', token, reason: 'fenced' });
    expect(await checkpoints.load('bot-1')).toMatchObject({ fence: token + 1, dialogs: {} });
    await eventually(() => emulator.connections('bot-1') === 0, 'bot-1 session closed');
  });

  it('gives a bot user up, instead of fighting, when another login takes its session over', async () => {
    users = users.slice(0, 1);
    const leases = makeStores().leases;
    const p = pool({ leases, checkpoints: makeStores().checkpoints, takenOverCooldown: 60_000 });
    await eventually(() => emulator.connections('bot-1') === 1, 'bot-1 online');
    const released = firstValueFrom(p.events$.pipe(filter((e) => e.type === 'released')));
    const outsider = createAgent({ ...(users[0]?.config as AgentConfig), keepAlive: 0, reconnect: false });
    try {
      await firstValueFrom(outsider.connect());
      expect(await released).toMatchObject({ type: 'released', user: 'bot-1', reason: 'takenOver' });
      expect(await leases.holder('bot-1')).toBeUndefined();
      expect(await heldBy(p)).toEqual([]);
      for (let i = 0; i < 5; i++) await firstValueFrom(outsider.getClock());
      expect(emulator.connections('bot-1')).toBe(1);
    } finally {
      outsider.dispose();
    }
  });

  it('on close: pipeline stopped, session closed, checkpoint saved, then the lease released', async () => {
    users = users.slice(0, 1);
    const { leases, checkpoints } = makeStores();
    const p = pool({ leases, checkpoints, checkpointInterval: 60_000 });
    await eventually(() => emulator.connections('bot-1') === 1, 'bot-1 online');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const answered = firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent')));
    const sequence = await consumer.send('hello');
    await answered;
    const token = (await leases.holder('bot-1'))?.token;
    await p.close();
    expect(await leases.holder('bot-1')).toBeUndefined();
    await eventually(() => emulator.connections('bot-1') === 0, 'the server to see the session closed');
    const checkpoint = await checkpoints.load('bot-1');
    expect(checkpoint?.fence).toBe(token);
    expect(checkpoint?.dialogs[consumer.convId]).toBeGreaterThan(sequence);
  });
});
}

poolSpecs('memory', () => ({ leases: new MemoryLeaseStore(), checkpoints: new MemoryCheckpointStore() }));

describeWithRedis('createAgentPool over a real redis-server', () => {
  const { freshStores } = redisForBlock();
  // A fresh key prefix per spec: the pools of one spec share it.
  let current: Stores | undefined;
  beforeEach(() => {
    current = freshStores();
  });
  poolSpecs('redis', () => current as Stores);
});
