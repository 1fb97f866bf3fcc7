import { describeWithRedis } from '../support/redis';
import { runClusterSoak, summary } from './clusterSoak';

// The short cluster soak: 3 worker processes share 9 bot users over a real Redis; consumers chat
// for 8 s while a worker is SIGKILLed every 3 s and started again. `npm run cluster-soak` runs the
// long one (a kill every 10 s).
describeWithRedis('cluster soak (short)', () => {
  it('answers every consumer message exactly once across SIGKILLs, and never runs one bot user twice', async () => {
    const result = await runClusterSoak({ seconds: 8, killEvery: 3_000, ttl: 2_000, consumers: 12, seed: 3 });
    const line = summary(result);
    expect({ line, lost: result.lost, duplicated: result.duplicated, overlap: result.overlap }).toEqual({ line, lost: 0, duplicated: 0, overlap: 0 });
    expect(result.kills).toBe(2);
    expect(result.takeovers).toBeGreaterThan(0);
    expect(result.sent).toBeGreaterThan(100);
    expect(result.settled).toBe(true);
  }, 90_000);
});
