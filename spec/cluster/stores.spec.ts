import { MemoryCheckpointStore, MemoryLeaseStore, RedisCheckpointStore, type CheckpointStore, type LeaseStore } from '../../src/cluster/index';
import { eventually } from '../support/eventually';
import { describeWithRedis } from '../support/redis';
import { redisForBlock } from './redisFixture';

/** One contract, two stores: what the pool relies on, whichever store it is given. */
function contract(name: string, make: () => { leases: LeaseStore; checkpoints: CheckpointStore }): void {
  describe(`${name}: leases`, () => {
    let leases: LeaseStore;
    beforeEach(() => ({ leases } = make()));

    it('gives a free name to the first taker only, with a fencing token', async () => {
      const a = await leases.acquire('bot-1', 'worker-a', 10_000);
      const b = await leases.acquire('bot-1', 'worker-b', 10_000);
      expect(a).toEqual({ name: 'bot-1', owner: 'worker-a', token: 1 });
      expect(b).toBeUndefined();
      expect(await leases.holder('bot-1')).toEqual(a);
      expect(await leases.acquire('bot-2', 'worker-b', 10_000)).toEqual({ name: 'bot-2', owner: 'worker-b', token: 1 });
    });

    it('renews only under the token it was taken with, and a release frees the name', async () => {
      const a = await leases.acquire('bot-1', 'worker-a', 10_000);
      if (!a) throw new Error('not acquired');
      expect(await leases.renew(a, 10_000)).toBe(true);
      expect(await leases.renew({ ...a, token: a.token + 1 }, 10_000)).toBe(false);
      expect(await leases.renew({ ...a, owner: 'worker-b' }, 10_000)).toBe(false);
      expect(await leases.release({ ...a, owner: 'worker-b' })).toBe(false);
      expect(await leases.release(a)).toBe(true);
      expect(await leases.holder('bot-1')).toBeUndefined();
      expect(await leases.renew(a, 10_000)).toBe(false);
    });

    it('a lease not renewed expires; the next holder gets a higher token, and the old one can neither renew nor release it', async () => {
      const old = await leases.acquire('bot-1', 'worker-a', 80);
      if (!old) throw new Error('not acquired');
      let next: Awaited<ReturnType<LeaseStore['acquire']>>;
      await eventually(async () => (next = await leases.acquire('bot-1', 'worker-b', 10_000)) !== undefined, 'the lease to expire');
      expect(next).toEqual({ name: 'bot-1', owner: 'worker-b', token: old.token + 1 });
      expect(await leases.renew(old, 10_000)).toBe(false);
      expect(await leases.release(old)).toBe(false);
      expect(await leases.holder('bot-1')).toEqual(next);
    });

    it('tokens only grow, across releases', async () => {
      const tokens: number[] = [];
      for (let i = 0; i < 3; i++) {
        const lease = await leases.acquire('bot-1', `worker-${i}`, 10_000);
        if (!lease) throw new Error('not acquired');
        tokens.push(lease.token);
        await leases.release(lease);
      }
      expect(tokens).toEqual([1, 2, 3]);
    });

    it('keeps a roll of live workers: a heartbeat joins, leave() and silence take off', async () => {
      expect(await leases.heartbeat('w-b', 10_000)).toEqual(['w-b']);
      expect(await leases.heartbeat('w-a', 10_000)).toEqual(['w-a', 'w-b']);
      await leases.heartbeat('w-c', 60);
      await leases.leave('w-b');
      expect(await leases.heartbeat('w-a', 10_000)).toEqual(['w-a', 'w-c']);
      await eventually(async () => (await leases.heartbeat('w-a', 10_000)).length === 1, 'the silent worker to drop off the roll');
      expect(await leases.heartbeat('w-a', 10_000)).toEqual(['w-a']);
    });
  });

  describe(`${name}: checkpoints`, () => {
    let checkpoints: CheckpointStore;
    beforeEach(() => ({ checkpoints } = make()));

    it('stores and loads a checkpoint; nothing is stored at first', async () => {
      expect(await checkpoints.load('bot-1')).toBeUndefined();
      expect(await checkpoints.save('bot-1', { fence: 3, dialogs: { d1: 4, 'd:2': 9 }, savedAt: 1_000 })).toBe(true);
      expect(await checkpoints.load('bot-1')).toEqual({ fence: 3, dialogs: { d1: 4, 'd:2': 9 }, savedAt: 1_000 });
      expect(await checkpoints.load('bot-2')).toBeUndefined();
    });

    it('refuses a save under a lower fence than the stored one (a worker that lost its lease)', async () => {
      await checkpoints.save('bot-1', { fence: 5, dialogs: { d1: 10 }, savedAt: 1 });
      expect(await checkpoints.save('bot-1', { fence: 4, dialogs: { d1: 2 }, savedAt: 2 })).toBe(false);
      expect(await checkpoints.save('bot-1', { fence: 5, dialogs: { d1: 11 }, savedAt: 3 })).toBe(true);
      expect(await checkpoints.save('bot-1', { fence: 6, dialogs: {}, savedAt: 4 })).toBe(true);
      expect(await checkpoints.load('bot-1')).toEqual({ fence: 6, dialogs: {}, savedAt: 4 });
    });
  });
}

contract('memory', () => ({ leases: new MemoryLeaseStore(), checkpoints: new MemoryCheckpointStore() }));

describeWithRedis('Redis stores (a real redis-server)', () => {
  const { server, freshStores } = redisForBlock();

  // A fresh key prefix per spec, on one server.
  contract('redis', freshStores);

  it('reports a damaged checkpoint as an error instead of guessing', async () => {
    const redis = server().client();
    await redis.hset('lp-agent-rx:checkpoint:{bot-9}', 'fence', '1', 'data', '{"dialogs":{"d1":"x"}}');
    await expect(new RedisCheckpointStore(redis).load('bot-9')).rejects.toThrow('checkpoint of bot-9 does not decode');
  });
});
