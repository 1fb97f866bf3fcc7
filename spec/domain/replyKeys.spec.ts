import { causeOfReplyKey, replyKey, SequenceTracker } from '../../src/domain/index';
import { sendText } from '../../src/operators/index';
import { idempotencyKeyOf } from '../../src/agent/publish';

describe('reply keys', () => {
  it('name the message they answer, part by part, and read back', () => {
    expect(replyKey({ dialogId: 'd:1', sequence: 4 })).toBe('reply:d:1:4');
    expect(replyKey({ dialogId: 'd1', sequence: 4 }, 2)).toBe('reply:d1:4/2');
    expect(causeOfReplyKey('reply:d:1:4')).toEqual({ dialogId: 'd:1', sequence: 4 });
    expect(causeOfReplyKey('reply:d1:4/2')).toEqual({ dialogId: 'd1', sequence: 4 });
    expect(causeOfReplyKey('lp-agent-rx:abc')).toBeUndefined();
    expect(causeOfReplyKey('reply:d1:x')).toBeUndefined();
    expect(causeOfReplyKey(undefined)).toBeUndefined();
  });

  it('sendText({ replyTo }) carries the key; an explicit idempotencyKey wins', () => {
    expect(idempotencyKeyOf(sendText('d1', 'hi', { replyTo: { dialogId: 'd1', sequence: 7 } }))).toBe('reply:d1:7');
    expect(idempotencyKeyOf(sendText('d1', 'hi', { replyTo: { dialogId: 'd1', sequence: 7 }, part: 3 }))).toBe('reply:d1:7/3');
    expect(idempotencyKeyOf(sendText('d1', 'hi', { replyTo: { dialogId: 'd1', sequence: 7 }, idempotencyKey: 'mine' }))).toBe('mine');
  });
});

describe('SequenceTracker.seed', () => {
  it('marks 1..upTo seen for a dialog it does not know, and leaves a known dialog alone', () => {
    const seen = new SequenceTracker();
    seen.seed('d1', 5);
    expect(seen.add('d1', 5)).toBe(false);
    expect(seen.add('d1', 6)).toBe(true);
    seen.add('d2', 9);
    seen.seed('d2', 20);
    expect(seen.add('d2', 10)).toBe(true);
    seen.seed('d3', 0);
    expect(seen.has('d3')).toBe(false);
  });
});
