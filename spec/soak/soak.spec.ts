import { runSoak, summary } from './soak';

// The short chaos soak: 8 consumers chat with the echo bot for 8 s while the emulator drops
// connections, expires tokens, delays, duplicates and reorders frames (seed 1). `npm run soak`
// runs the long one.

describe('chaos soak (short)', () => {
  const crashes: unknown[] = [];
  const onCrash = (e: unknown): void => {
    crashes.push(e);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterAll(() => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  it('delivers every consumer message once, answers each, and leaks nothing', async () => {
    const result = await runSoak({ seconds: 8, consumers: 8, seed: 1, settleTimeout: 4_000 });
    const line = summary(result);
    expect({ line, duplicated: result.duplicated }).toEqual({ line, duplicated: 0 });
    expect(result.leaked).toEqual({});
    expect(result.sent).toBeGreaterThan(100);
    expect(result.reconnects).toBeGreaterThan(0);
    // Every message the bot received was answered, and reached its consumer.
    expect({ line, missingReplies: result.missingReplies, repeatedReplies: result.repeatedReplies }).toEqual({ line, missingReplies: 0, repeatedReplies: 0 });
    expect(result.ok).toBe(true);
    expect({ line, lost: result.lost, duplicated: result.duplicated }).toEqual({ line, lost: 0, duplicated: 0 });
    expect(crashes).toEqual([]);
  }, 60_000);
});
