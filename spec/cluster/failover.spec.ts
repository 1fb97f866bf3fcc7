import { firstValueFrom, filter } from 'rxjs';
import { RedisCheckpointStore, RedisLeaseStore } from '../../src/cluster/index';
import { eventually } from '../support/eventually';
import { describeWithRedis } from '../support/redis';
import { ClusterHarness } from './harness';

describeWithRedis('failover across real processes (SIGKILL, Redis, the emulator)', () => {
  let cluster: ClusterHarness;
  afterEach(() => cluster.stop());

  it('a new worker takes over a killed worker\'s bot user after the TTL and answers what was left, once, and nothing twice', async () => {
    cluster = await ClusterHarness.start({ users: 1, ttl: 1_500, seed: 5 });
    const first = cluster.spawnWorker('a');
    await cluster.allOnline();
    const consumer = await cluster.consumer();
    for (const text of ['m1', 'm2', 'm3']) await cluster.send(consumer, text);
    await eventually(() => cluster.answers.size === 3, 'the first three answered');
    const redis = cluster.redis.client();
    const leases = new RedisLeaseStore(redis);
    const before = await leases.holder('bot-1');
    expect(before?.owner).toBe(first.id);

    const killedAt = Date.now();
    await cluster.kill(first);
    // Written while nobody holds the bot user: the next owner must answer these.
    for (const text of ['m4', 'm5']) await cluster.send(consumer, text);
    const reopened = firstValueFrom(cluster.emulator.sessions$.pipe(filter((s) => s.type === 'open' && s.username === 'bot-1')));
    const second = cluster.spawnWorker('b');
    const session = await reopened;
    expect(await cluster.settle(10_000)).toBe(true);

    expect(cluster.tally()).toEqual({ lost: [], duplicated: 0, replies: 5 });
    expect(cluster.emulator.overlaps()).toBe(0);
    const after = await leases.holder('bot-1');
    expect(after).toEqual({ name: 'bot-1', owner: second.id, token: (before?.token ?? 0) + 1 });
    expect(session.at).toBeGreaterThan(killedAt);
    // The checkpoint moved on under the new fence.
    await eventually(async () => (await new RedisCheckpointStore(redis).load('bot-1'))?.fence === after?.token, 'a checkpoint under the new token');
  }, 40_000);
});
