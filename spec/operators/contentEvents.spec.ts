import type { Observable } from 'rxjs';
import type { MessagingEvent } from '../../src/domain/index.js';
import { contentEvents } from '../../src/operators/index.js';
import { card, receipt, testScheduler, text } from './helpers.js';

describe('contentEvents', () => {
  it('lets through only text messages others wrote', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        a: text('d1', 1, 'hello'),
        m: text('d1', 2, 'my own echo', { isMe: true }),
        f: text('d1', 3, '', { event: { type: 'ContentEvent', contentType: 'hosted/file', message: { relativePath: '/f.png' } } }),
        r: receipt('d1', 4, [1]),
        c: card('d1', 5),
        b: text('d1', 6, 'bye'),
      };
      const messages$: Observable<MessagingEvent> = cold('  -a-m-f-r-c-b-|', values);
      const expected = '                                      -a---------b-|';
      expectObservable(messages$.pipe(contentEvents())).toBe(expected, values);
    });
  });

  it('skips answered history unless asked for it; the unanswered tail goes through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        h: text('d1', 1, 'answered before the transfer', { history: true }),
        q: text('d1', 3, 'the open question'),
      };
      const messages$: Observable<MessagingEvent> = cold('  -h-q-|', values);
      expectObservable(messages$.pipe(contentEvents())).toBe('---q-|', values);
      expectObservable(messages$.pipe(contentEvents({ includeHistory: true }))).toBe('-h-q-|', values);
    });
  });
});
