import fc from 'fast-check';
import { SequenceTracker } from '../../src/domain/sequences';

describe('SequenceTracker', () => {
  it('admits each (dialog, sequence) once, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('d1', 'd2', 'd3'), fc.integer({ min: 1, max: 60 })), { maxLength: 300 }), (events) => {
        const tracker = new SequenceTracker({ maxGaps: 1_000 });
        const admitted = events.filter(([d, s]) => tracker.add(d, s)).map(([d, s]) => `${d}:${s}`);
        expect(admitted).toEqual([...new Set(events.map(([d, s]) => `${d}:${s}`))]);
      }),
    );
  });

  it('always admits unsequenced events (0)', () => {
    const tracker = new SequenceTracker();
    expect([tracker.add('d', 0), tracker.add('d', 0)]).toEqual([true, true]);
  });

  it('holds nothing once a dialog is contiguous, and stays bounded with gaps', () => {
    const tracker = new SequenceTracker({ maxGaps: 8 });
    for (let s = 1; s <= 10_000; s++) tracker.add('d', s);
    expect(tracker.pending).toBe(0);
    for (let s = 20_000; s <= 30_000; s += 2) tracker.add('gappy', s); // every other one missing, forever
    expect(tracker.pending).toBeLessThanOrEqual(8);
    expect(tracker.highest('gappy')).toBe(30_000);
    expect(tracker.add('gappy', 30_000)).toBe(false);
  });

  it('knows where to re-query from and forgets closed dialogs', () => {
    const tracker = new SequenceTracker();
    tracker.follow('new');
    tracker.add('d', 3);
    tracker.add('d', 1);
    expect([tracker.highest('new'), tracker.highest('d')]).toEqual([0, 3]);
    expect(tracker.followed().sort()).toEqual(['d', 'new']);
    tracker.forget('d');
    expect(tracker.followed()).toEqual(['new']);
    expect(tracker.add('d', 3)).toBe(true);
  });
});
