import type { Observable } from 'rxjs';
import type { Command } from '../../src/domain/index.js';
import { acceptRing, chatState, closeConversation, readReceipt, sendText, typing } from '../../src/operators/index.js';
import { testScheduler } from './helpers.js';

describe('typing', () => {
  it('sends COMPOSING before each reply and ACTIVE after it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const replies$: Observable<Command> = cold('  -a-------b-----|', { a: sendText('d1', 'hi'), b: sendText('d2', 'yo') });
      const expected = '                              -(cad)---(ebf)-|';
      expectObservable(replies$.pipe(typing())).toBe(expected, {
        c: chatState('d1', 'COMPOSING'),
        a: sendText('d1', 'hi'),
        d: chatState('d1', 'ACTIVE'),
        e: chatState('d2', 'COMPOSING'),
        b: sendText('d2', 'yo'),
        f: chatState('d2', 'ACTIVE'),
      });
    });
  });

  it('passes other commands and private notes through unchanged', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = {
        r: acceptRing('r1'),
        x: closeConversation('c1'),
        n: sendText('d1', 'note', { messageAudience: 'AGENTS_AND_MANAGERS' }),
        k: readReceipt('d1', [1]),
        t: chatState('d1', 'ACTIVE'),
      };
      const commands$: Observable<Command> = cold('  -r-x-n-k-t-|', values);
      const expected = '                               -r-x-n-k-t-|';
      expectObservable(commands$.pipe(typing())).toBe(expected, values);
    });
  });

  it('shows typing for `delay` ms, each dialog on its own clock', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const replies$ = cold<Command>('  -a----b-|', { a: sendText('d1', 'hi'), b: sendText('d2', 'yo') });
      const subs = '                                ^-------!';
      const expected = '                            -c----e 994ms (ad)-(bf|)';
      expectObservable(replies$.pipe(typing({ delay: 1_000 }))).toBe(expected, {
        c: chatState('d1', 'COMPOSING'),
        a: sendText('d1', 'hi'),
        d: chatState('d1', 'ACTIVE'),
        e: chatState('d2', 'COMPOSING'),
        b: sendText('d2', 'yo'),
        f: chatState('d2', 'ACTIVE'),
      });
      expectSubscriptions(replies$.subscriptions).toBe(subs);
    });
  });

  it('takes the delay as a function of the reply', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const replies$: Observable<Command> = cold('  a|', { a: sendText('d1', 'four') });
      const expected = '                              c 39ms (ad|)';
      const perCharacter = (reply: Command): number => (reply.type === '.ams.ms.PublishEvent' && reply.body.event.type === 'ContentEvent' && typeof reply.body.event.message === 'string' ? reply.body.event.message.length * 10 : 0);
      expectObservable(replies$.pipe(typing({ delay: perCharacter }))).toBe(expected, {
        c: chatState('d1', 'COMPOSING'),
        a: sendText('d1', 'four'),
        d: chatState('d1', 'ACTIVE'),
      });
    });
  });
});
