import { firstValueFrom } from 'rxjs';
import { createAgent, sendText, type AgentConfig, type MessagingEvent } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { acceptedConversation, next } from './helpers';

/**
 * A bot user taken over by another process: what the new owner is asked to answer depends on the
 * reply keys the previous owner left in the dialog, and on the checkpoint it was given.
 */
describe('taking over a bot user: reply keys and checkpoints', () => {
  let emulator: Emulator;
  let creds: AgentConfig;
  let dialogId = '';
  const seq = { q1: 0, q2: 0, greeting: 0, reply1: 0, q3: 0 };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 77 });
    creds = emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    const first = createAgent({ ...creds, keepAlive: 0 });
    try {
      const { consumer } = await acceptedConversation(first, emulator);
      dialogId = consumer.convId;
      seq.q1 = await consumer.send('q1');
      seq.q2 = await consumer.send('q2');
      // The first owner greets (no key), answers q1 (keyed), then dies before answering q2.
      const sequenceOf = (body: unknown): number => (body as { sequence: number }).sequence;
      seq.greeting = sequenceOf((await firstValueFrom(first.execute(sendText(dialogId, 'welcome')))).body);
      const q1 = { dialogId, sequence: seq.q1 };
      seq.reply1 = sequenceOf((await firstValueFrom(first.execute(sendText(dialogId, 'answer to q1', { replyTo: q1 })))).body);
      first.dispose();
      seq.q3 = await consumer.send('q3');
    } finally {
      first.dispose();
    }
  });

  afterAll(() => emulator.close());

  /** Connects a new owner, follows the conversation, and collects messages$ up to q3. */
  async function takeOver(extra: Partial<AgentConfig>): Promise<MessagingEvent[]> {
    const agent = createAgent({ ...creds, keepAlive: 0, ...extra });
    const seen: MessagingEvent[] = [];
    agent.messages$.subscribe((m) => seen.push(m));
    try {
      await firstValueFrom(agent.connect());
      const q3$ = next(agent.messages$, (m) => m.sequence === seq.q3);
      await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [emulator.agentIdentity('bot').legacyId] }));
      await q3$;
      return seen.filter((m) => m.dialogId === dialogId);
    } finally {
      agent.dispose();
    }
  }

  const toAnswer = (events: MessagingEvent[]): number[] => events.filter((e) => e.role === 'CONSUMER' && e.type === 'ContentEvent' && e.history !== true).map((e) => e.sequence);

  it("answeredBy 'replyKey': only the message named by a reply key counts as answered; a greeting does not", async () => {
    const events = await takeOver({ follow: { answeredBy: 'replyKey' } });
    expect(toAnswer(events)).toEqual([seq.q2, seq.q3]);
    expect(events.find((e) => e.sequence === seq.q1)?.history).toBe(true);
  });

  it("the default, 'anyReply': any later message of this user answers everything before it", async () => {
    const events = await takeOver({});
    expect(toAnswer(events)).toEqual([seq.q3]);
  });

  it('resumeFrom: nothing up to the checkpoint is delivered again; what is newer is', async () => {
    const events = await takeOver({ follow: { answeredBy: 'replyKey' }, resumeFrom: { [dialogId]: seq.q1 } });
    expect(events.map((e) => e.sequence)).toEqual([seq.q2, seq.greeting, seq.reply1, seq.q3]);
    expect(toAnswer(events)).toEqual([seq.q2, seq.q3]);
  });
});
