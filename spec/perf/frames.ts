import { consumerMessageFrame, frameText } from '../../src/testing/index.js';

/**
 * `count` OnlineEventDistribution text frames of the consumer's text message, as LivePerson sends
 * them: the recorded fixture (originatorMetadata, clientProperties...) with distinct increasing
 * sequences, timestamps and texts, so no client can cache or dedupe its way through the run.
 * `after` offsets the sequences (the first is `after + 1`): a client that stays connected
 * across rounds would rightly drop a repeated sequence as a duplicate.
 *
 * @example
 * const frames = onlineEventFrames(50_000);
 * for (const text of frames) emulator.injectFrame(text, { username: 'bench' });
 */
export function onlineEventFrames(count: number, after = 0): readonly string[] {
  const { body } = consumerMessageFrame;
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    const sequence = after + i + 1;
    frames.push(
      frameText({
        ...consumerMessageFrame,
        body: {
          ...body,
          sequence,
          serverTimestamp: (body.serverTimestamp ?? 0) + sequence,
          event: { type: 'ContentEvent', contentType: 'text/plain', message: `hi, where is my order #${100_000 + sequence}?` },
        },
      }),
    );
  }
  return frames;
}
