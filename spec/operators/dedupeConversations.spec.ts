import { dedupeConversations, isConversationEnd } from '../../src/operators/index.js';
import { deleted, testScheduler, upsert } from './helpers.js';

describe('dedupeConversations', () => {
  it('emits a conversation the first time it is seen, not on its later updates', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const changes$ = cold('  -a-a-b-a-b-|', { a: upsert('c1'), b: upsert('c2') });
      const expected = '       -a---b-----|';
      expectObservable(changes$.pipe(dedupeConversations())).toBe(expected, { a: upsert('c1'), b: upsert('c2') });
    });
  });

  it('emits it again after its DELETE or CLOSE, and never emits the end itself', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const changes$ = cold('  -a-x-a-a-y-a-|', { a: upsert('c1'), x: deleted('c1'), y: upsert('c1', 'CLOSE') });
      const expected = '       -a---a-----a-|';
      expectObservable(changes$.pipe(dedupeConversations())).toBe(expected, { a: upsert('c1') });
    });
  });

  it('does not emit a conversation first seen closed', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const changes$ = cold('  -y-|', { y: upsert('c1', 'CLOSE') });
      expectObservable(changes$.pipe(dedupeConversations())).toBe('---|');
    });
  });

  it('with myRole, waits for the change that shows this agent in that role', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const before = { ...upsert('c1'), myRole: undefined };
      const changes$ = cold('  -u-a-a-|', { u: before, a: upsert('c1') });
      const expected = '       ---a---|';
      expectObservable(changes$.pipe(dedupeConversations({ myRole: 'ASSIGNED_AGENT' }))).toBe(expected, { a: upsert('c1') });
    });
  });

  it('keeps its memory per subscription', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const changes$ = cold('  -a-a-|', { a: upsert('c1') });
      const deduped$ = changes$.pipe(dedupeConversations());
      expectObservable(deduped$).toBe('-a---|', { a: upsert('c1') });
      expectObservable(deduped$).toBe('-a---|', { a: upsert('c1') });
      expectSubscriptions(changes$.subscriptions).toBe(['^----!', '^----!']);
    });
  });

  it('calls DELETE and CLOSE an end, LOCKED not', () => {
    expect([upsert('c', 'OPEN'), upsert('c', 'LOCKED'), upsert('c', 'CLOSE'), deleted('c')].map(isConversationEnd)).toEqual([false, false, true, true]);
  });
});
