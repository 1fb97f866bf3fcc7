import { firstValueFrom, take, toArray } from 'rxjs';
import { createAgent, type Agent, type AgentError } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { aConversationChange, conversationFrame, frameText, toExConversationResult } from '../../src/testing/index';

describe('tolerant decoding through a real socket', () => {
  let emulator: Emulator;
  let agent: Agent;
  const errors: AgentError[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 31 });
    emulator.addAgent({ username: 'bot', password: 'pw' });
    agent = createAgent({ ...emulator.issueToken('bot'), keepAlive: 0, follow: false });
    errors.length = 0;
    agent.errors$.subscribe((e) => errors.push(e));
    await firstValueFrom(agent.connect());
  });
  afterEach(async () => {
    agent.dispose();
    await emulator.close();
  });

  it('delivers 3 of 3 conversation changes when one carries a content type this version does not know, with one warning', async () => {
    const frame = conversationFrame(['a', 'b', 'c'].map((convId) => aConversationChange({ convId }, agent.identity)));
    const second = frame.body.changes[1];
    if (!second) throw new Error('no second change');
    const result = toExConversationResult(aConversationChange({ convId: 'b' }, agent.identity).conversation);
    const text = JSON.stringify({
      ...frame,
      body: {
        ...frame.body,
        changes: frame.body.changes.map((c, i) =>
          i === 1
            ? {
                ...c,
                result: {
                  ...result,
                  lastContentEventNotification: { dialogId: 'b', sequence: 3, originatorId: 'c1', event: { type: 'ContentEvent', contentType: 'text/html', message: '<b>hi</b>' } },
                },
              }
            : c,
        ),
      },
    });
    const three = firstValueFrom(agent.conversations$.pipe(take(3), toArray()));
    emulator.injectFrame(text);
    emulator.injectFrame(text); // the same unknown value again: still one warning
    const changes = await three;
    await firstValueFrom(agent.getClock());
    expect(changes.map((c) => c.convId)).toEqual(['a', 'b', 'c']);
    expect(changes[1]?.conversation.lastContentEvent).toMatchObject({ type: 'UnknownEvent', eventType: 'ContentEvent' });
    expect(errors.map((e) => [e.kind, e.message])).toEqual([
      ['DecodeWarning', '.ams.aam.ExConversationChangeNotification: ContentType "text/html" is not a value this version knows; delivered as sent'],
    ]);
  });

  it('delivers the good changes of a notification whose second change is broken, and names its index', async () => {
    const frame = conversationFrame(['a', 'b', 'c'].map((convId) => aConversationChange({ convId }, agent.identity)));
    const text = frameText(frame).replace('"convId":"b"', '"convId":42');
    const two = firstValueFrom(agent.conversations$.pipe(take(2), toArray()));
    emulator.injectFrame(text);
    expect((await two).map((c) => c.convId)).toEqual(['a', 'c']);
    await firstValueFrom(agent.getClock());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'DecodeError', path: expect.stringMatching(/^body\.changes\[1\]/) });
  });
});
