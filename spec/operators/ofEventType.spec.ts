import { map, Observable } from 'rxjs';
import type { AcceptStatusMessage, ChatStateChange, ContentMessage, MessagingEvent, RichContentMessage } from '../../src/domain/index.js';
import { dedupeMessages, ofEventType } from '../../src/operators/index.js';
import { card, composing, receipt, testScheduler, text } from './helpers.js';

describe('ofEventType', () => {
  it('lets through only events of the given type', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: text('d1', 1), r: receipt('d1', 2, [1]), c: card('d1', 3) };
      const messages$: Observable<MessagingEvent> = cold('  -a-r-c-|', values);
      const expected = '                                      -a-----|';
      expectObservable(messages$.pipe(ofEventType('ContentEvent'))).toBe(expected, values);
    });
  });

  it('lets through the union of several types', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: text('d1', 1), r: receipt('d1', 2, [1]), c: card('d1', 3) };
      const messages$: Observable<MessagingEvent> = cold('  -a-r-c-|', values);
      const expected = '                                      -a---c-|';
      expectObservable(messages$.pipe(ofEventType('ContentEvent', 'RichContentEvent'))).toBe(expected, values);
    });
  });

  it('works on chat states too', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { t: composing('d1'), a: text('d1', 1) };
      const events$: Observable<MessagingEvent | ChatStateChange> = cold('  -t-a-|', values);
      expectObservable(events$.pipe(ofEventType('ChatStateEvent'), map((c) => c.chatState))).toBe('-t---|', { t: 'COMPOSING' });
    });
  });

  it('narrows the stream type (checked by tsc)', () => {
    const messages$ = new Observable<MessagingEvent>();
    const content$: Observable<ContentMessage> = messages$.pipe(ofEventType('ContentEvent'));
    const either$: Observable<ContentMessage | RichContentMessage> = messages$.pipe(ofEventType('ContentEvent', 'RichContentEvent'));
    // @ts-expect-error a ContentEvent stream is not a stream of receipts
    const receipts$: Observable<AcceptStatusMessage> = messages$.pipe(ofEventType('ContentEvent'));
    // @ts-expect-error not an event type
    messages$.pipe(ofEventType('ContentEvnt'));
    // @ts-expect-error at least one type
    messages$.pipe(ofEventType());
    const contentTypes$: Observable<string> = messages$.pipe(dedupeMessages(), ofEventType('ContentEvent'), map((m) => m.event.contentType));
    expect([content$, either$, receipts$, contentTypes$]).toHaveLength(4);
  });
});
