import { TestScheduler } from 'rxjs/testing';
import { map, NEVER, ReplaySubject, Subject, type Observable } from 'rxjs';
import { aContentEvent, aConversationChange, createTestAgent } from '../../src/testing/index';
import { asksForHuman, chatState, handoverToSkill, readReceipt, respond, sendText, type AgentError, type ContentMessage, type ConversationChange, type MessagingEvent, type Outcome, type RespondOptions } from '../../src/index';

const said = (text: string, sequence: number, convId = 'c1'): ContentMessage => aContentEvent({ text, sequence, dialogId: convId });
const textOf = (m: ContentMessage): string => String(m.event.message);

describe('respond', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** Runs respond over hot messages (and conversation changes); collects outcomes and errors. */
  function setup<S>(messages$: Observable<ContentMessage>, options: RespondOptions<S>, handler: (m: ContentMessage, ctx: Parameters<Parameters<typeof respond<S>>[1]>[1]) => Observable<string | undefined>, conversations$: Observable<ConversationChange> = NEVER) {
    const agent = createTestAgent({ messages$, conversations$ });
    const outcomes: Outcome[] = [];
    const errors: AgentError[] = [];
    agent.errors$.subscribe((e) => errors.push(e));
    const commands$ = respond<S>(agent, handler, { ...options, onOutcome: (o) => outcomes.push(o) });
    return { commands$, outcomes, errors };
  }

  it('queue: answers each message of a conversation in turn, in order; conversations run side by side', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const a = said('a', 1);
      const b = said('b', 2);
      const x = said('x', 1, 'c2');
      const { commands$, outcomes } = setup(hot('-a-b-x', { a, b, x }), { typing: false }, (m) => cold('-----(r|)', { r: `re ${textOf(m)}` }));
      expectObservable(commands$).toBe('------a---xb', {
        a: sendText('c1', 're a', { replyTo: a }),
        b: sendText('c1', 're b', { replyTo: b }),
        x: sendText('c2', 're x', { replyTo: x }),
      });
      scheduler.flush();
      expect(outcomes.map((o) => [o.kind, o.messages.map(textOf)])).toEqual([['reply', ['a']], ['reply', ['x']], ['reply', ['b']]]);
    });
  });

  it('latest: a newer message cancels the running call; the answer to the newest covers both', () => {
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const a = said('a', 1);
      const b = said('b', 2);
      const calls: string[] = [];
      const call = cold('-----(r|)', { r: 'x' });
      const { commands$, outcomes } = setup(hot('-a-b', { a, b }), { typing: false, concurrency: 'latest' }, (m, ctx) => {
        calls.push(ctx.messages.map(textOf).join('+'));
        return call.pipe(map(() => `re ${textOf(m)}`));
      });
      expectObservable(commands$).toBe('--------b', { b: sendText('c1', 're b', { replyTo: b }) });
      expectSubscriptions(call.subscriptions).toBe(['-^-!', '---^----!']);
      scheduler.flush();
      expect(calls).toEqual(['a', 'a+b']);
      expect(outcomes.map((o) => [o.kind, o.messages.map(textOf)])).toEqual([['reply', ['a', 'b']]]);
    });
  });

  it('batch: what the consumer writes while a call runs is answered together, by the next call', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const [a, b, c] = [said('a', 1), said('b', 2), said('c', 3)];
      const { commands$, outcomes } = setup(hot('-abc', { a, b, c }), { typing: false, concurrency: 'batch' }, (m, ctx) =>
        cold('-----(r|)', { r: `re ${ctx.messages.map(textOf).join('+')}` }),
      );
      expectObservable(commands$).toBe('------a----c', { a: sendText('c1', 're a', { replyTo: a }), c: sendText('c1', 're b+c', { replyTo: c }) });
      scheduler.flush();
      expect(outcomes.map((o) => o.messages.map(textOf))).toEqual([['a'], ['b', 'c']]);
    });
  });

  it('typing: COMPOSING while the handler runs, ACTIVE after the reply; none when off; READ first when asked', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const a = said('a', 4);
      const handler = () => cold('-----(r|)', { r: 'ok' });
      expectObservable(setup(hot('-a', { a }), { markRead: true }, handler).commands$).toBe('-(rc)-(oi)', {
        r: readReceipt('c1', [4]),
        c: chatState('c1', 'COMPOSING'),
        o: sendText('c1', 'ok', { replyTo: a }),
        i: chatState('c1', 'ACTIVE'),
      });
      expectObservable(setup(hot('-a', { a }), { typing: false }, handler).commands$).toBe('------o', { o: sendText('c1', 'ok', { replyTo: a }) });
    });
  });

  it('timeout: a call that outlives it is reported and leads to the handover; typing ends', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const a = said('where is my order?', 1);
      const { commands$, outcomes, errors } = setup(hot('-a', { a }), { timeout: 10, handover: handoverToSkill('humans', 'Let me get a colleague.') }, () => cold('------------------r', { r: 'late' }));
      expectObservable(commands$).toBe('-c---------(mti)', {
        c: chatState('c1', 'COMPOSING'),
        m: sendText('c1', 'Let me get a colleague.', { replyTo: a }),
        t: handoverToSkill('humans')(a)[0],
        i: chatState('c1', 'ACTIVE'),
      });
      scheduler.flush();
      expect(errors.map((e) => e.kind)).toEqual(['RequestTimeout']);
      expect(outcomes.map((o) => [o.kind, o.reason])).toEqual([['handover', 'timeout']]);
    });
  });

  it('errors: a failing call gets the fallback and is reported; other conversations and later messages go on', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const [a, b, x] = [said('boom', 1), said('again', 2), said('fine', 1, 'c2')];
      const { commands$, outcomes, errors } = setup(hot('-ax--b', { a, x, b }), { typing: false, fallback: 'Sorry, try again.' }, (m) =>
        textOf(m) === 'boom' ? cold('--#', {}, new Error('model down')) : cold('--(r|)', { r: `re ${textOf(m)}` }),
      );
      expectObservable(commands$).toBe('---fx--b', {
        f: sendText('c1', 'Sorry, try again.', { replyTo: a }),
        x: sendText('c2', 're fine', { replyTo: x }),
        b: sendText('c1', 're again', { replyTo: b }),
      });
      scheduler.flush();
      expect(errors.map((e) => [e.kind, e.message])).toEqual([['PipelineError', 'respond: the handler failed in conversation c1: model down']]);
      expect(outcomes.map((o) => o.kind)).toEqual(['fallback', 'reply', 'reply']);
    });
  });

  it('hands over when the consumer asks for a human (without asking the handler), or after N failures in a row', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const [a, b, h] = [said('x', 1), said('y', 2), said('can I talk to a human?', 3)];
      const calls: string[] = [];
      const { commands$, outcomes } = setup(
        hot('-a----b----h', { a, b, h }),
        { typing: false, fallback: 'Hm?', handover: handoverToSkill('humans'), handoverWhen: { asksForHuman: true, failuresInARow: 2 } },
        (m) => {
          calls.push(textOf(m));
          return cold('-#', {}, new Error('no idea'));
        },
      );
      expectObservable(commands$).toBe('--f----t---u', { f: sendText('c1', 'Hm?', { replyTo: a }), t: handoverToSkill('humans')(b)[0], u: handoverToSkill('humans')(h)[0] });
      scheduler.flush();
      expect(calls).toEqual(['x', 'y']);
      expect(outcomes.map((o) => [o.kind, o.reason])).toEqual([['fallback', undefined], ['handover', 'failures'], ['handover', 'asked']]);
      expect(asksForHuman('I want a real PERSON')).toBe(true);
      expect(asksForHuman('what are your hours?')).toBe(false);
    });
  });

  it('maxConcurrent: calls beyond the limit wait for a slot, across conversations', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const [a, x] = [said('a', 1), said('x', 1, 'c2')];
      const { commands$ } = setup(hot('-(ax)', { a, x }), { typing: false, maxConcurrent: 1 }, (m) => cold('---(r|)', { r: `re ${textOf(m)}` }));
      expectObservable(commands$).toBe('----a--x', { a: sendText('c1', 're a', { replyTo: a }), x: sendText('c2', 're x', { replyTo: x }) });
    });
  });

  it('a closed conversation: its running call is cancelled and its context freed (a new one starts empty)', () => {
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const [a, b] = [said('a', 1), said('b', 2)];
      const call = cold('-----(r|)', { r: 'done' });
      let states = 0;
      const seen: number[] = [];
      const closed = aConversationChange({ convId: 'c1', conversation: { state: 'CLOSE' } });
      const { commands$ } = setup<{ n: number }>(
        hot('-a-------b', { a, b }),
        {
          typing: false,
          initialState: () => {
            states++;
            return { n: 0 };
          },
        },
        (m, ctx) => {
          ctx.state.n += 1;
          seen.push(ctx.state.n, ctx.history.length);
          return call;
        },
        hot('---c', { c: closed }),
      );
      expectObservable(commands$).toBe('--------------d', { d: sendText('c1', 'done', { replyTo: b }) });
      expectSubscriptions(call.subscriptions).toBe(['-^-!', '---------^----!']);
      scheduler.flush();
      expect(states).toBe(2);
      expect(seen).toEqual([1, 1, 1, 1]);
    });
  });

  it('context: the consumer profile is fetched once, lazily; details and history come from the streams', async () => {
    const messages = new Subject<MessagingEvent>();
    const conversations = new ReplaySubject<ConversationChange>();
    conversations.next(aConversationChange());
    const agent = createTestAgent({ messages$: messages, conversations$: conversations, responses: { '.ams.userprofile.GetUserProfile': { firstName: 'Ada' } } });
    const replies: string[] = [];
    const sub = respond(agent, async (m, ctx) => `hi ${(await ctx.profile())?.firstName ?? '?'}, ${ctx.history.length} seen, skill ${ctx.conversation?.skillId ?? '-'}`, { typing: false }).subscribe((c) => {
      if (c.type === '.ams.ms.PublishEvent' && c.body.event.type === 'ContentEvent') replies.push(String(c.body.event.message));
    });
    const first = aContentEvent({ text: 'a', sequence: 1 });
    messages.next(first);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    messages.next(aContentEvent({ text: 'b', sequence: 2 }));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    sub.unsubscribe();
    const skill = aConversationChange().conversation.skillId;
    expect(replies).toEqual([`hi Ada, 1 seen, skill ${skill}`, `hi Ada, 2 seen, skill ${skill}`]);
    expect(agent.sent.filter((c) => c.type === '.ams.userprofile.GetUserProfile')).toHaveLength(1);
    agent.dispose();
  });
});
