import type { Observable } from 'rxjs';
import type { MessagingEvent } from '../../src/domain/index.js';
import { markAsRead, readReceipt } from '../../src/operators/index.js';
import { card, receipt, testScheduler, text } from './helpers.js';

describe('markAsRead', () => {
  it('marks each message from others READ, once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const messages$: Observable<MessagingEvent> = cold('  -a-b-a-c-|', { a: text('d1', 1), b: card('d1', 2), c: text('d2', 1) });
      const expected = '                                      -a-b---c-|';
      expectObservable(messages$.pipe(markAsRead())).toBe(expected, {
        a: readReceipt('d1', [1]),
        b: readReceipt('d1', [2]),
        c: readReceipt('d2', [1]),
      });
    });
  });

  it('never receipts its own messages, receipts, or unsequenced events', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const messages$: Observable<MessagingEvent> = cold('  -m-r-z-|', {
        m: text('d1', 1, 'mine', { isMe: true }),
        r: receipt('d1', 2, [1]),
        z: text('d1', 0),
      });
      expectObservable(messages$.pipe(markAsRead())).toBe('-------|');
    });
  });

  it('leaves answered history alone unless asked to mark it too', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const messages$: Observable<MessagingEvent> = cold('  -h-q-|', { h: text('d1', 1, 'old', { history: true }), q: text('d1', 3, 'new') });
      expectObservable(messages$.pipe(markAsRead())).toBe('---q-|', { q: readReceipt('d1', [3]) });
      expectObservable(messages$.pipe(markAsRead({ includeHistory: true }))).toBe('-h-q-|', { h: readReceipt('d1', [1]), q: readReceipt('d1', [3]) });
    });
  });

  it('is not fooled by a replay after a reconnect', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const live = text('d1', 2);
      const replay = { ...text('d1', 2), source: 'query' as const };
      const messages$: Observable<MessagingEvent> = cold('  -a-b-|', { a: live, b: replay });
      expectObservable(messages$.pipe(markAsRead())).toBe('-a---|', { a: readReceipt('d1', [2]) });
    });
  });
});
