import { filter, map, merge, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Agent } from '../../src/agent/index.js';
import type { Command, ContentMessage, MessagingEvent, Ring } from '../../src/domain/index.js';
import { aContentEvent, aRing, createTestAgent } from '../../src/testing/index.js';

// A whole bot, in plain rxjs: accept every WAITING ring, answer every consumer message.
const accept = (ring: Ring): Command => ({ type: '.ams.routing.UpdateRingState', body: { ringId: ring.ringId, ringState: 'ACCEPTED' } });
const reply = (m: ContentMessage): Command => ({
  type: '.ams.ms.PublishEvent',
  body: { dialogId: m.dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message: 'Got it!' } },
});
const isConsumerText = (m: MessagingEvent): m is ContentMessage => m.type === 'ContentEvent' && !m.isMe;

function bot(agent: Agent): Observable<Command> {
  return merge(
    agent.rings$.pipe(filter((r) => r.ringState === 'WAITING'), map(accept)),
    agent.messages$.pipe(filter(isConsumerText), map(reply)),
  );
}

describe('a whole bot, tested with marbles', () => {
  it('accepts waiting rings and answers consumer messages, not its own', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ hot, expectObservable }) => {
      const waiting = aRing();
      const hello = aContentEvent({ text: 'hello' });
      const agent = createTestAgent({
        rings$: hot('   -w-a-------', { w: waiting, a: aRing({ ringState: 'ACCEPTED' }) }),
        messages$: hot('----m-r--m-', { m: hello, r: aContentEvent({ sender: 'agent', text: 'Got it!' }) }),
      });
      agent.run(bot(agent));
      expectObservable(agent.sent$).toBe('-a--b----b-', { a: accept(waiting), b: reply(hello) });
      expectObservable(agent.results$.pipe(map((r) => r.ok))).toBe('-t--t----t-', { t: true });
    });
  });
});
