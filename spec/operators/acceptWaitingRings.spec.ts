import type { ConversationChange } from '../../src/domain/index.js';
import { acceptRing, acceptWaitingRings } from '../../src/operators/index.js';
import { deleted, ring, testScheduler, upsert } from './helpers.js';

describe('acceptWaitingRings', () => {
  it('accepts only WAITING rings', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rings$ = cold('  -a-b-c-d-|', {
        a: ring('r1', 'c1'),
        b: ring('r2', 'c2', { ringState: 'ACCEPTED' }),
        c: ring('r3', 'c3', { ringState: 'EXPIRED' }),
        d: ring('r4', 'c4'),
      });
      const expected = '     -a-----d-|';
      expectObservable(rings$.pipe(acceptWaitingRings())).toBe(expected, { a: acceptRing('r1'), d: acceptRing('r4') });
    });
  });

  it('accepts each ring id at most once, however often routing repeats it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rings$ = cold('  -a-a-b-a-|', { a: ring('r1', 'c1'), b: ring('r2', 'c1') });
      const expected = '     -a---b---|';
      expectObservable(rings$.pipe(acceptWaitingRings())).toBe(expected, { a: acceptRing('r1'), b: acceptRing('r2') });
    });
  });

  it('ignores rings routing withdrew (DELETE)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rings$ = cold('  -a-|', { a: ring('r1', 'c1', { changeType: 'DELETE' }) });
      expectObservable(rings$.pipe(acceptWaitingRings())).toBe('---|');
    });
  });

  it('accepts only rings of the given skills', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rings$ = cold('  -a-b-c-|', {
        a: ring('r1', 'c1', { skillId: '7' }),
        b: ring('r2', 'c2', { skillId: '8' }),
        c: ring('r3', 'c3', { skillId: undefined }),
      });
      const expected = '     -a-----|';
      expectObservable(rings$.pipe(acceptWaitingRings({ skills: ['7'] }))).toBe(expected, { a: acceptRing('r1') });
    });
  });

  it('holds at most maxConcurrent conversations, and takes a new one once a held one ends', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const conversations$ = hot('  ------x---y---|', { x: upsert('c1', 'CLOSE'), y: deleted('c2') });
      const rings$ = cold('          -a-b-c-d---e-f-|', {
        a: ring('r1', 'c1'),
        b: ring('r2', 'c2'),
        c: ring('r3', 'c3'),
        d: ring('r3', 'c3'),
        e: ring('r4', 'c4'),
        f: ring('r5', 'c5'),
      });
      const expected = '             -a-b---d---e---|';
      expectObservable(rings$.pipe(acceptWaitingRings({ maxConcurrent: 2, conversations$ }))).toBe(expected, {
        a: acceptRing('r1'),
        b: acceptRing('r2'),
        d: acceptRing('r3'),
        e: acceptRing('r4'),
      });
    });
  });

  it('counts a second ring of a conversation it already holds against no new slot', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rings$ = cold('  -a-b-c-|', { a: ring('r1', 'c1'), b: ring('r2', 'c1'), c: ring('r3', 'c2') });
      const expected = '     -a-b---|';
      expectObservable(rings$.pipe(acceptWaitingRings({ maxConcurrent: 1 }))).toBe(expected, { a: acceptRing('r1'), b: acceptRing('r2') });
    });
  });

  it('without conversations$, caps the conversations accepted in total', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const rings$ = cold('  -a-b-|', { a: ring('r1', 'c1'), b: ring('r2', 'c2') });
      expectObservable(rings$.pipe(acceptWaitingRings({ maxConcurrent: 1 }))).toBe('-a---|', { a: acceptRing('r1') });
    });
  });

  it('listens to conversations$ exactly as long as to the rings', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const conversations$ = hot<ConversationChange>('  ---------');
      const rings$ = cold('          -a--|', { a: ring('r1', 'c1') });
      const expected = '             -a--|';
      const subs = '                 ^---!';
      expectObservable(rings$.pipe(acceptWaitingRings({ maxConcurrent: 1, conversations$ }))).toBe(expected, { a: acceptRing('r1') });
      expectSubscriptions(conversations$.subscriptions).toBe(subs);
      expectSubscriptions(rings$.subscriptions).toBe(subs);
    });
  });

  it('keeps its memory per subscription', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const accepted$ = cold('-a-|', { a: ring('r1', 'c1') }).pipe(acceptWaitingRings({ maxConcurrent: 1 }));
      expectObservable(accepted$).toBe('-a-|', { a: acceptRing('r1') });
      expectObservable(accepted$).toBe('-a-|', { a: acceptRing('r1') });
    });
  });
});
