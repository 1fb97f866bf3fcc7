import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { MessagingEvent } from '../../src/domain/index.js';
import { dedupeMessages } from '../../src/operators/index.js';
import { aConversationChange } from '../../src/testing/index.js';
import { composing, receipt, testScheduler, text } from './helpers.js';

/** Runs events through `dedupeMessages` synchronously and returns what came out. */
const dedupe = (events: MessagingEvent[], config = {}): Promise<MessagingEvent[]> =>
  lastValueFrom(from(events).pipe(dedupeMessages(config), toArray()));

const keyOf = (m: MessagingEvent): string => `${m.dialogId}#${m.sequence}`;

describe('dedupeMessages', () => {
  it('drops a (dialogId, sequence) already delivered', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const messages$ = cold('  -a-b-a-c-b-|', { a: text('d1', 1), b: text('d1', 2), c: text('d1', 3) });
      const expected = '        -a-b---c---|';
      expectObservable(messages$.pipe(dedupeMessages())).toBe(expected, { a: text('d1', 1), b: text('d1', 2), c: text('d1', 3) });
    });
  });

  it('delivers out-of-order sequences once each', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: text('d1', 1), b: text('d1', 2), c: text('d1', 3), d: text('d1', 4) };
      const messages$ = cold('  -c-a-c-d-b-a-d-b-|', values);
      const expected = '        -c-a---d-b-------|';
      expectObservable(messages$.pipe(dedupeMessages())).toBe(expected, values);
    });
  });

  it('forgets a dialog when its conversation ends, and stops listening when the events end', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const values = { a: text('d1', 1), b: text('d1', 2) };
      const closed = aConversationChange({ type: 'DELETE', convId: 'd1' });
      const conversations$ = hot('  ----x------', { x: closed });
      const messages$ = cold('      -a-b--a-b-|', values);
      const expected = '            -a-b--a-b-|';
      const subs = '                ^---------!';
      expectObservable(messages$.pipe(dedupeMessages({ conversations$ }))).toBe(expected, values);
      expectSubscriptions(conversations$.subscriptions).toBe(subs);
    });
  });

  it('keeps dialogs apart', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: text('d1', 1), b: text('d2', 1) };
      const messages$ = cold('  -a-b-a-b-|', values);
      const expected = '        -a-b-----|';
      expectObservable(messages$.pipe(dedupeMessages())).toBe(expected, values);
    });
  });

  it('lets chat states and unsequenced events through untouched', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { t: composing('d1'), z: text('d1', 0) };
      const messages$ = cold('  -t-t-z-z-|', values);
      const expected = '        -t-t-z-z-|';
      expectObservable(messages$.pipe(dedupeMessages())).toBe(expected, values);
    });
  });

  it('delivers a history replay that arrives after the live messages, minus what was live', async () => {
    const live = [text('d1', 20), text('d1', 21)];
    const history = [18, 19, 20, 21].map((s) => text('d1', s));
    expect((await dedupe([...live, ...history])).map((m) => m.sequence)).toEqual([20, 21, 18, 19]);
  });

  it('bounds the gaps it remembers per dialog: past maxGaps, the lowest gap counts as seen', async () => {
    // Seen 1, 3, 5, 7: gaps 2, 4, 6. With room for two gaps, gap 2 is given up.
    const out = await dedupe([1, 3, 5, 7, 2, 4, 6].map((s) => text('d1', s)), { maxGaps: 2 });
    expect(out.map((m) => m.sequence)).toEqual([1, 3, 5, 7, 4, 6]);
  });

  it('bounds the dialogs it remembers: the least recently active one is forgotten', async () => {
    const out = await dedupe([text('d1', 1), text('d2', 1), text('d1', 2), text('d3', 1), text('d1', 1), text('d2', 1)], { maxDialogs: 2 });
    expect(out.map(keyOf)).toEqual(['d1#1', 'd2#1', 'd1#2', 'd3#1', 'd2#1']);
  });

  it('keeps its memory per subscription', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const messages$ = cold('  -a-a-|', { a: text('d1', 1) });
      const deduped$ = messages$.pipe(dedupeMessages());
      expectObservable(deduped$).toBe('-a---|', { a: text('d1', 1) });
      expectObservable(deduped$).toBe('-a---|', { a: text('d1', 1) });
      expectSubscriptions(messages$.subscriptions).toBe(['^----!', '^----!']);
    });
  });

  describe('properties', () => {
    const arbitraryEvents = fc.array(
      fc.record({ dialog: fc.constantFrom('d1', 'd2', 'd3'), sequence: fc.integer({ min: 0, max: 40 }), receipt: fc.boolean() }),
      { maxLength: 300 },
    );
    const toEvents = (specs: { dialog: string; sequence: number; receipt: boolean }[]): MessagingEvent[] =>
      specs.map((s) => (s.receipt ? receipt(s.dialog, s.sequence, [1]) : text(s.dialog, s.sequence)));

    it('emits exactly the first occurrence of each (dialogId, sequence), and every unsequenced event', async () => {
      await fc.assert(
        fc.asyncProperty(arbitraryEvents, async (specs) => {
          const events = toEvents(specs);
          const seen = new Set<string>();
          const expected = events.filter((m) => m.sequence === 0 || (!seen.has(keyOf(m)) && Boolean(seen.add(keyOf(m)))));
          expect(await dedupe(events)).toEqual(expected);
        }),
      );
    });

    it('with fewer gaps remembered, only drops late arrivals: never a duplicate, never an extra event', async () => {
      await fc.assert(
        fc.asyncProperty(arbitraryEvents, fc.integer({ min: 0, max: 3 }), async (specs, maxGaps) => {
          const events = toEvents(specs);
          const exact = await dedupe(events);
          const bounded = await dedupe(events, { maxGaps });
          const keys = bounded.filter((m) => m.sequence > 0).map(keyOf);
          expect(new Set(keys).size).toBe(keys.length);
          let i = 0;
          for (const m of exact) if (m === bounded[i]) i++;
          expect(i).toBe(bounded.length);
        }),
      );
    });
  });
});
