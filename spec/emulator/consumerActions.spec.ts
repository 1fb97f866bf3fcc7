import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import type { ChatState } from '../../src/protocol/index';
import { acceptNextRing, goOnline, socketPool, TestSocket } from './wsClient';

describe('emulator consumer actions: rich content, quick replies, chat states, step-up', () => {
  let emulator: Emulator;
  let bot: TestSocket;
  let consumer: Consumer;
  const { open, closeAll } = socketPool(() => emulator);

  /** bot: online, subscribed, and the accepted assigned agent of `consumer`'s conversation. */
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
    consumer = await emulator.consumer({ skillId: '-1' });
    await acceptNextRing(bot);
  });
  afterEach(async () => {
    await emulator.close();
    await closeAll();
  });

  it('sendRichContent publishes a sequenced RichContentEvent the agent receives', async () => {
    const content = { type: 'vertical', elements: [{ type: 'text', text: 'Card' }] };
    expect(await consumer.sendRichContent(content)).toBe(1);
    const record = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect(record).toMatchObject({ sequence: 1, originatorId: consumer.consumerId, event: { type: 'RichContentEvent', content } });
  });

  it('clickQuickReply sends the publishText text with the button’s click metadata', async () => {
    const metadata = [{ type: 'ExternalId', id: 'yes-1' }];
    const sequence = await consumer.clickQuickReply({ title: 'Yes!', click: { metadata, actions: [{ type: 'publishText', text: 'Yes' }] } });
    expect(sequence).toBe(1);
    const record = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect(record.event).toEqual({ type: 'ContentEvent', contentType: 'text/plain', message: 'Yes' });
    expect(record.metadata).toEqual(metadata);
  });

  it('clickQuickReply falls back to the title and sends no metadata when the button has none', async () => {
    await consumer.clickQuickReply({ title: 'No' });
    const record = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect(record.event).toMatchObject({ message: 'No' });
    expect(record.metadata).toBeUndefined();
  });

  it.each<ChatState>(['ACTIVE', 'INACTIVE', 'GONE', 'COMPOSING', 'PAUSE', 'BACKGROUND'])('type(%s) sends an unsequenced ChatStateEvent', async (chatState) => {
    await consumer.type(chatState);
    const record = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect(record.event).toEqual({ type: 'ChatStateEvent', chatState });
    expect(record.sequence).toBeUndefined();
    expect(emulator.conversation(consumer.convId)?.events).toEqual([]);
  });

  it('stepUp changes the consumer participant and sends subscribers an UPSERT; later events carry the new id', async () => {
    const before = consumer.consumerId;
    await bot.ok('.ams.aam.SubscribeExConversations', { convState: ['OPEN'] });
    await bot.notification('.ams.aam.ExConversationChangeNotification');
    const newId = await consumer.stepUp('authenticated-consumer-1');
    expect(newId).toBe('authenticated-consumer-1');
    expect(consumer.consumerId).toBe(newId);
    const change = await bot.notification('.ams.aam.ExConversationChangeNotification', (b) => b.changes.length > 0);
    expect(change.changes[0]?.type).toBe('UPSERT');
    const details = change.changes[0]?.result.conversationDetails;
    expect(details?.participants.CONSUMER).toEqual([newId]);
    expect(details?.participantsPId?.CONSUMER).toEqual([newId]);
    expect(details?.dialogs?.[0]?.participantsDetails).toContainEqual({ id: newId, role: 'CONSUMER', state: 'ACTIVE' });
    expect(JSON.stringify(details)).not.toContain(before);
    await consumer.send('now signed in');
    expect(await bot.notification('.ams.ms.OnlineEventDistribution')).toMatchObject({ originatorId: newId, originatorPId: newId });
  });

  it('stepUp without an id picks a fresh one, and rejects once the conversation is closed', async () => {
    const before = consumer.consumerId;
    expect(await consumer.stepUp()).not.toBe(before);
    await consumer.close();
    await expect(consumer.stepUp('late')).rejects.toThrow(/closed/);
  });
});
