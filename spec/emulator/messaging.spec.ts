import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import type { EventRecord } from '../../src/protocol/index';
import { acceptNextRing, goOnline, socketPool, TestSocket } from './wsClient';

describe('emulator messaging: publish, fan-out, sequences, history', () => {
  let emulator: Emulator;
  let bot: TestSocket;
  let consumer: Consumer;
  const { open, closeAll } = socketPool(() => emulator);
  const me = () => emulator.agentIdentity('bot');
  const text = (message: string) => ({ type: 'ContentEvent', contentType: 'text/plain', message });
  const publish = (socket: TestSocket, event: unknown, extra: Record<string, unknown> = {}) =>
    socket.request('.ams.ms.PublishEvent', { dialogId: consumer.convId, conversationId: consumer.convId, event, ...extra });

  /** bot: online, subscribed, and the accepted assigned agent of `consumer`'s conversation. */
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1, sessionsPerUser: 'many' });
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

  it('distributes consumer messages to the assigned agent with sequences 1 then 2', async () => {
    expect(await consumer.send('hello')).toBe(1);
    expect(await consumer.send('again')).toBe(2);
    const first = await bot.notification('.ams.ms.OnlineEventDistribution');
    const second = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect(first).toEqual({
      sequence: 1,
      dialogId: consumer.convId,
      originatorId: consumer.consumerId,
      originatorPId: consumer.consumerId,
      originatorClientProperties: expect.objectContaining({ type: '.ClientProperties', integration: 'WEB_SDK' }),
      originatorMetadata: { id: consumer.consumerId, role: 'CONSUMER', clientProperties: expect.any(Object) },
      serverTimestamp: expect.any(Number),
      event: { type: 'ContentEvent', contentType: 'text/plain', message: 'hello' },
    });
    expect(second).toMatchObject({ sequence: 2, event: { message: 'again' } });
  });

  it("delivers an agent's message to the consumer and echoes it to the agent, with legacy id and PId", async () => {
    const seen = firstValueFrom(consumer.received$);
    const response = await publish(bot, text('hi there'));
    expect(response).toMatchObject({ code: 200, type: '.ams.ms.PublishEvent$Response', body: { sequence: 1 } });
    const echo = await bot.notification('.ams.ms.OnlineEventDistribution');
    expect(echo).toMatchObject({
      sequence: 1,
      originatorId: me().legacyId,
      originatorPId: me().userPid,
      originatorMetadata: { id: me().userPid, role: 'ASSIGNED_AGENT' },
      event: text('hi there'),
    });
    expect(await seen).toEqual(echo);
  });

  it('echoes to every open socket of the agent', async () => {
    const second = await open('bot');
    await publish(bot, text('twice'));
    expect((await second.notification('.ams.ms.OnlineEventDistribution')).event).toEqual(text('twice'));
    expect((await bot.notification('.ams.ms.OnlineEventDistribution')).event).toEqual(text('twice'));
  });

  it('gives chat states sequence 0, does not store them, and passes them both ways', async () => {
    // Chat states are not stored: a subscriber sees them live only.
    const received$ = firstValueFrom(consumer.received$);
    const typing = await publish(bot, { type: 'ChatStateEvent', chatState: 'COMPOSING' });
    expect(typing.body).toEqual({ sequence: 0 });
    const received = await received$;
    expect(received.event).toEqual({ type: 'ChatStateEvent', chatState: 'COMPOSING' });
    expect(received.sequence).toBeUndefined();

    await consumer.type('COMPOSING');
    const fromConsumer = await bot.notification('.ams.ms.OnlineEventDistribution', (r) => r.originatorId === consumer.consumerId);
    expect(fromConsumer.event).toEqual({ type: 'ChatStateEvent', chatState: 'COMPOSING' });
    expect(await consumer.send('then text')).toBe(1);
    expect(emulator.conversation(consumer.convId)?.events.map((e) => e.event.type)).toEqual(['ContentEvent']);
  });

  it('gives read receipts their own sequence, both ways', async () => {
    const seq = await consumer.send('hello');
    const receipt = await publish(bot, { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [seq] });
    expect(receipt.body).toEqual({ sequence: 2 });
    const toConsumer = await firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'AcceptStatusEvent')));
    expect(toConsumer).toMatchObject({ sequence: 2, event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [1] } });

    const agentMessage = ((await publish(bot, text('reply'))).body as { sequence: number }).sequence;
    expect(await consumer.read([agentMessage])).toBe(4);
    const read = await bot.notification('.ams.ms.OnlineEventDistribution', (r) => r.event.type === 'AcceptStatusEvent' && r.originatorId === consumer.consumerId);
    expect(read).toMatchObject({ sequence: 4, event: { status: 'READ', sequenceList: [3] } });
  });

  it('consumer.received$ replays the past and holds only what others sent', async () => {
    await consumer.send('mine');
    await publish(bot, text('one'));
    await publish(bot, text('two'));
    const all = await firstValueFrom(consumer.received$.pipe(take(2), toArray()));
    expect(all.map((r) => (r.event.type === 'ContentEvent' ? r.event.message : r.event.type))).toEqual(['one', 'two']);
  });

  it('keeps AGENTS_AND_MANAGERS events from the consumer and echoes request metadata', async () => {
    const metadata = [{ type: 'ExternalId', id: 'ext-1' }];
    await publish(bot, text('private'), { messageAudience: 'AGENTS_AND_MANAGERS' });
    await bot.request('.ams.ms.PublishEvent', { dialogId: consumer.convId, event: text('public') }, { metadata });
    const echoes = [await bot.notification('.ams.ms.OnlineEventDistribution'), await bot.notification('.ams.ms.OnlineEventDistribution')];
    expect(echoes[0]).toMatchObject({ messageAudience: 'AGENTS_AND_MANAGERS' });
    expect(echoes[1]).toMatchObject({ metadata, event: text('public') });
    const received = await firstValueFrom(consumer.received$);
    expect(received.event).toEqual(text('public'));
  });

  it('refuses PublishEvent from an agent that is not a participant, and to unknown dialogs', async () => {
    emulator.addAgent({ username: 'stranger', password: 'pw' });
    const stranger = await open('stranger');
    const refused = await publish(stranger, text('let me in'));
    expect(refused).toMatchObject({ code: 400, type: '.ReqBody$StringResp', body: 'Agent does not exist in conversation' });
    expect((await bot.request('.ams.ms.PublishEvent', { dialogId: 'nope', event: text('x') })).code).toBe(400);
    expect(emulator.conversation(consumer.convId)?.events).toEqual([]);
  });

  it('QueryMessages returns stored records in a sequence range, ascending, capped by maxQuantity', async () => {
    for (const m of ['a', 'b', 'c', 'd', 'e']) await consumer.send(m);
    const query = (body: Record<string, unknown>) => bot.ok('.ams.ms.QueryMessages', { dialogId: consumer.convId, ...body }) as Promise<EventRecord[]>;
    const sequences = (records: EventRecord[]) => records.map((r) => r.sequence);

    const all = await query({ newerThanSequence: 0 });
    expect(sequences(all)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]).toEqual(emulator.conversation(consumer.convId)?.events[0]);
    expect(sequences(await query({ newerThanSequence: 2 }))).toEqual([3, 4, 5]);
    expect(sequences(await query({ newerThanSequence: 1, olderThanSequence: 4 }))).toEqual([2, 3]);
    expect(sequences(await query({ newerThanSequence: 0, maxQuantity: 2 }))).toEqual([1, 2]);
    expect(await query({ newerThanSequence: 5 })).toEqual([]);
    const response = await bot.request('ms.QueryMessages', { dialogId: consumer.convId, newerThanSequence: 0 });
    expect(response.type).toBe('.ams.ms.QueryMessages$Response');
  });

  it('refuses consumer messages once the conversation is closed', async () => {
    await consumer.close();
    await expect(consumer.send('too late')).rejects.toThrow(/closed/);
    expect(emulator.conversation(consumer.convId)).toMatchObject({ state: 'CLOSE', closeReason: 'CONSUMER' });
  });
});
