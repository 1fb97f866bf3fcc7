import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import type { ExConversationChangeNotificationBody } from '../../src/protocol/index';
import { goOnline, socketPool, TestSocket, updateConversationField } from './wsClient';

type Change = ExConversationChangeNotificationBody['changes'][number];

describe('emulator conversations: ExConversation subscriptions and UpdateConversationField', () => {
  let emulator: Emulator;
  let bot: TestSocket;
  const { open, closeAll } = socketPool(() => emulator);
  const id = (username: string) => emulator.agentIdentity(username);
  const field = updateConversationField;
  const subscribe = async (socket: TestSocket, filter: Record<string, unknown>) => {
    const { subscriptionId } = (await socket.ok('.ams.aam.SubscribeExConversations', filter)) as { subscriptionId: string };
    const snapshot = await socket.notification('.ams.aam.ExConversationChangeNotification', (b) => b.subscriptionId === subscriptionId);
    return { subscriptionId, snapshot };
  };
  const nextChange = async (socket: TestSocket, predicate: (c: Change) => boolean): Promise<Change> => {
    const body = await socket.notification('.ams.aam.ExConversationChangeNotification', (b) => b.changes.some(predicate));
    return body.changes.find(predicate) as Change;
  };
  /** A conversation `bot` accepted. */
  const assigned = async (skillId = '-1'): Promise<Consumer> => {
    const consumer = await emulator.consumer({ skillId });
    const ring = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.conversationId === consumer.convId);
    await bot.ok('.ams.routing.UpdateRingState', { ringId: ring.changes[0]?.result.ringsDetails[0]?.ringId, ringState: 'ACCEPTED' });
    return consumer;
  };

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    emulator.addAgent({ username: 'manager', password: 'pw', skills: [] });
    emulator.addAgent({ username: 'sales', password: 'pw', skills: ['7'] });
    bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
  });
  afterEach(async () => {
    await emulator.close();
    await closeAll();
  });

  it('answers SubscribeExConversations, then sends one snapshot (empty when nothing matches)', async () => {
    const response = await bot.request('cqm.SubscribeExConversations', { convState: ['OPEN'] });
    expect(response).toMatchObject({ code: 200, type: '.ams.aam.SubscribeExConversations$Response', body: { subscriptionId: expect.any(String) } });
    const snapshot = await bot.notification('.ams.aam.ExConversationChangeNotification');
    expect(snapshot).toEqual({ subscriptionId: (response.body as { subscriptionId: string }).subscriptionId, changes: [] });
  });

  it('snapshots matching conversations with the full §4.4 record, filtered by agentIds and state', async () => {
    const mine = await assigned();
    await mine.send('hello');
    const waiting = await emulator.consumer({ skillId: '9' });
    const { snapshot } = await subscribe(bot, { convState: ['OPEN'], agentIds: [id('bot').legacyId] });
    expect(snapshot.changes.map((c) => c.result.convId)).toEqual([mine.convId]);
    const result = snapshot.changes[0]?.result;
    expect(result).toMatchObject({
      convId: mine.convId,
      effectiveTTR: expect.any(Number),
      lastUpdateTime: expect.any(Number),
      numberOfunreadMessages: { [mine.consumerId]: 0, [id('bot').legacyId]: 1 },
      lastContentEventNotification: { sequence: 1, originatorId: mine.consumerId, event: { message: 'hello' } },
      conversationDetails: {
        convId: mine.convId,
        skillId: '-1',
        brandId: emulator.accountId,
        state: 'OPEN',
        stage: 'OPEN',
        startTs: expect.any(Number),
        metaDataLastUpdateTs: expect.any(Number),
        ttr: { ttrType: 'NORMAL', value: expect.any(Number) },
        context: expect.objectContaining({ type: 'SharkContext' }),
        conversationHandlerDetails: { accountId: emulator.accountId, skillId: '-1' },
      },
    });
    const all = await subscribe(bot, {});
    expect(all.snapshot.changes.map((c) => c.result.convId)).toEqual([mine.convId, waiting.convId]);
  });

  it('sends live UPSERTs for new content, and a DELETE when a closed conversation leaves an OPEN filter', async () => {
    const consumer = await assigned();
    const { subscriptionId } = await subscribe(bot, { convState: ['OPEN'], agentIds: [id('bot').legacyId] });
    await consumer.send('news');
    const upsert = await nextChange(bot, (c) => c.result.lastContentEventNotification?.sequence === 1);
    expect(upsert.type).toBe('UPSERT');

    const closed = await field(bot, consumer.convId, [{ field: 'ConversationStateField', conversationState: 'CLOSE' }]);
    expect(closed).toMatchObject({ code: 200 });
    const deleted = await bot.notification('.ams.aam.ExConversationChangeNotification', (b) => b.changes[0]?.type === 'DELETE');
    expect(deleted.subscriptionId).toBe(subscriptionId);
    expect(deleted.changes[0]?.result.conversationDetails).toMatchObject({ state: 'CLOSE', stage: 'CLOSE', closeReason: 'AGENT', endTs: expect.any(Number) });
    expect(deleted.changes[0]?.result.conversationDetails.dialogs?.[0]).toMatchObject({ state: 'CLOSE', closedBy: 'AGENT' });
    expect(emulator.conversation(consumer.convId)).toMatchObject({ state: 'CLOSE', closeReason: 'AGENT' });
  });

  it('stops notifying after UnsubscribeExConversations', async () => {
    const { subscriptionId } = await subscribe(bot, {});
    expect((await bot.request('.ams.aam.UnsubscribeExConversations', { subscriptionId })).code).toBe(200);
    await emulator.consumer();
    await bot.sync();
    expect(bot.all('.ams.aam.ExConversationChangeNotification').filter((b) => b.changes.length > 0)).toEqual([]);
  });

  it('lets a manager join as MANAGER: it appears in both participant maps and gets the messages', async () => {
    const consumer = await assigned();
    const manager = await open('manager');
    await subscribe(manager, { agentIds: [id('manager').legacyId] });
    const joined = await field(manager, consumer.convId, [{ field: 'ParticipantsChange', type: 'ADD', role: 'MANAGER' }]);
    expect(joined).toMatchObject({ code: 200, type: '.ReqBody$StringResp', body: 'OK Agent added successfully' });
    const change = await nextChange(manager, (c) => c.result.convId === consumer.convId);
    expect(change.result.conversationDetails.participants).toMatchObject({ MANAGER: [id('manager').legacyId] });
    expect(change.result.conversationDetails.participantsPId).toMatchObject({ MANAGER: [id('manager').userPid] });
    await consumer.send('hi all');
    expect((await manager.notification('.ams.ms.OnlineEventDistribution')).event).toMatchObject({ message: 'hi all' });
  });

  it('SUGGEST puts the target in the MAIN dialog as a SUGGESTED assigned agent, not in participantsPId', async () => {
    const consumer = await assigned();
    await subscribe(bot, { convState: ['OPEN'] });
    const suggested = await field(bot, consumer.convId, { field: 'ParticipantsChange', type: 'SUGGEST', role: 'ASSIGNED_AGENT', userId: id('sales').legacyId });
    expect(suggested.code).toBe(200);
    const change = await nextChange(bot, (c) => c.result.convId === consumer.convId);
    const details = change.result.conversationDetails;
    expect(details.dialogs?.[0]?.participantsDetails).toContainEqual({ id: id('sales').legacyId, role: 'ASSIGNED_AGENT', state: 'SUGGESTED' });
    expect(details.participantsPId?.ASSIGNED_AGENT).toEqual([id('bot').userPid]);
    expect(details.participants.ASSIGNED_AGENT).toEqual([id('bot').legacyId]);
  });

  it('refuses to remove an assigned agent that is not there, and changes nothing', async () => {
    const consumer = await assigned();
    const before = emulator.conversation(consumer.convId);
    const refused = await field(bot, consumer.convId, [
      { field: 'Skill', type: 'UPDATE', skill: '7' },
      { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT', userId: id('sales').legacyId },
    ]);
    expect(refused).toMatchObject({ code: 400, type: '.ReqBody$StringResp' });
    expect(emulator.conversation(consumer.convId)).toEqual(before);
  });

  it('refuses changes from an agent that is not a participant', async () => {
    const consumer = await assigned();
    const stranger = await open('sales');
    expect((await field(stranger, consumer.convId, [{ field: 'ConversationStateField', conversationState: 'CLOSE' }])).code).toBe(400);
    expect(emulator.conversation(consumer.convId)?.state).toBe('OPEN');
  });

  it('transfers to a skill: REMOVE + Skill re-rings the agents of the new skill, and they can accept', async () => {
    const consumer = await assigned();
    const sales = await open('sales');
    await goOnline(sales, emulator, 'sales');
    const transfer = await field(bot, consumer.convId, [
      { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
      { field: 'Skill', type: 'UPDATE', skill: '7' },
    ]);
    expect(transfer).toMatchObject({ code: 200, body: 'OK Agent removed successfully' });
    const ring = await sales.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    expect(ring.changes[0]?.result).toMatchObject({ conversationId: consumer.convId, skillId: '7' });
    await sales.ok('.ams.routing.UpdateRingState', { ringId: ring.changes[0]?.result.ringsDetails[0]?.ringId, ringState: 'ACCEPTED' });
    const details = emulator.conversation(consumer.convId)?.details;
    expect(details?.participants.ASSIGNED_AGENT).toEqual([id('sales').legacyId]);
    expect(details?.skillId).toBe('7');
    expect(emulator.conversation(consumer.convId)?.rings.filter((r) => r.username === 'bot')).toHaveLength(1);
  });

  it('closes a dialog with DialogChange; closing MAIN closes the conversation', async () => {
    const consumer = await assigned();
    const closed = await field(bot, consumer.convId, [
      { field: 'DialogChange', type: 'UPDATE', dialog: { dialogId: consumer.convId, state: 'CLOSE', closedCause: 'done' } },
    ]);
    expect(closed.code).toBe(200);
    expect(emulator.conversation(consumer.convId)?.details).toMatchObject({ state: 'CLOSE', dialogs: [{ state: 'CLOSE', closedBy: 'AGENT' }] });
    expect((await field(bot, consumer.convId, [{ field: 'Note', note: 'late' }])).code).toBe(400);
  });

  it('consumer.close closes with closeReason CONSUMER and notifies subscribers', async () => {
    const consumer = await assigned();
    await subscribe(bot, { agentIds: [id('bot').legacyId] });
    await consumer.close();
    const change = await nextChange(bot, (c) => c.result.conversationDetails.state === 'CLOSE');
    expect(change).toMatchObject({ type: 'UPSERT', result: { conversationDetails: { closeReason: 'CONSUMER' } } });
    expect(change.result.conversationDetails.dialogs?.[0]?.closedBy).toBe('CONSUMER');
  });

  it('AgentRequestConversation opens a conversation with the agent already assigned', async () => {
    const response = await bot.request('.ams.cm.AgentRequestConversation', { channelType: 'MESSAGING', consumerId: 'consumer-42' });
    expect(response).toMatchObject({ code: 200, type: '.ams.cm.AgentRequestConversation$Response', body: { conversationId: expect.any(String) } });
    const { conversationId } = response.body as { conversationId: string };
    expect(emulator.conversation(conversationId)?.details.participants).toEqual({ CONSUMER: ['consumer-42'], ASSIGNED_AGENT: [id('bot').legacyId] });
    const consumer = emulator.consumerOf(conversationId);
    expect(consumer.consumerId).toBe('consumer-42');
    await consumer.send('hi back');
    expect((await bot.notification('.ams.ms.OnlineEventDistribution')).dialogId).toBe(conversationId);
  });
});
