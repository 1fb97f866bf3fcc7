import { TestScheduler } from 'rxjs/testing';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { aContentEvent, createTestAgent } from '../../src/testing/index';
import { chatState, createAgent, sendText, transferToSkill, type Outcome } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { model, slowModelBot } from '../../docs/examples/slowModelBot';
import { eventually } from '../support/eventually';

describe('docs/async-bots.md: the slow-model bot', () => {
  it('answers in order, typing while it thinks, and hands over when asked for a person (marbles)', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ hot, expectObservable }) => {
      const a = aContentEvent({ text: 'price?', sequence: 1 });
      const b = aContentEvent({ text: 'colour?', sequence: 2 });
      const h = aContentEvent({ text: 'a human please', sequence: 3 });
      const agent = createTestAgent({ messages$: hot('-ab-------------h', { a, b, h }) });
      const say = (m: typeof a, q: string) => sendText(m.dialogId, `(model) about "${q}": here is what I know.`, { replyTo: m });
      expectObservable(slowModelBot(agent, { thinkMs: () => 5 })).toBe('-c----(rac)(sa)-(mt)', {
        c: chatState(a.dialogId, 'COMPOSING'), a: chatState(a.dialogId, 'ACTIVE'), r: say(a, 'price?'), s: say(b, 'colour?'),
        m: sendText(h.dialogId, 'Let me get you a colleague.', { replyTo: h }), t: transferToSkill(h.convId, 'humans'),
      });
    });
  });

  it('runs against the emulator: ordered answers, then the handover moves the conversation to the humans skill', async () => {
    const emulator = await startEmulator({ port: 0, seed: 101 });
    const agent = createAgent({ ...emulator.addAgent({ username: 'model-bot', password: 'pw', skills: ['model'] }), keepAlive: 0 });
    const outcomes: Outcome[] = [];
    try {
      agent.run(slowModelBot(agent, { thinkMs: (text) => (text.length % 3) * 40, onOutcome: (o) => outcomes.push(o) }));
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.subscribeRoutingTasks());
      await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
      await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
      const consumer = await emulator.consumer({ skillId: 'model' });
      const answers = firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent'), take(3), toArray()));
      await consumer.send('first');
      await consumer.send('second, written while it thinks');
      await consumer.send('let me talk to an agent');
      expect((await answers).map((r) => (r.event.type === 'ContentEvent' ? r.event.message : ''))).toEqual([
        '(model) about "first": here is what I know.',
        '(model) about "second, written while it thinks": here is what I know.',
        'Let me get you a colleague.',
      ]);
      await eventually(() => emulator.conversation(consumer.convId)?.skillId === 'humans', 'the transfer to humans');
      expect(outcomes.map((o) => o.kind)).toEqual(['reply', 'reply', 'handover']);
    } finally {
      agent.dispose();
      await emulator.close();
    }
  });

  it('the simulated model thinks, then answers', async () => {
    expect(await firstValueFrom(model('hi', 1))).toBe('(model) about "hi": here is what I know.');
  });
});
