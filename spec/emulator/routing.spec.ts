import { startEmulator, type Emulator } from '../../src/emulator/index';
import { goOnline, socketPool, TestSocket } from './wsClient';

describe('emulator routing: agent state, rings, accept', () => {
  let emulator: Emulator;
  const { open, closeAll } = socketPool(() => emulator);
  const id = (username: string) => emulator.agentIdentity(username);
  const subscribeBody = (username: string) => ({ channelType: 'MESSAGING', agentId: id(username).legacyId, brandId: emulator.accountId });

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    emulator.addAgent({ username: 'sales', password: 'pw', skills: ['7'] });
  });
  afterEach(async () => {
    await emulator.close();
    await closeAll();
  });

  it('answers SubscribeRoutingTasks with a subscriptionId, then sends a notification with no changes', async () => {
    const socket = await open('bot');
    const response = await socket.request('routing.SubscribeRoutingTasks', subscribeBody('bot'));
    expect(response).toMatchObject({ code: 200, type: '.ams.GenericSubscribe$Response', body: { subscriptionId: expect.any(String) } });
    const { subscriptionId } = response.body as { subscriptionId: string };
    expect(socket.frames.indexOf(response)).toBe(0);
    const first = await socket.notification('.ams.routing.RoutingTaskNotification');
    expect(first).toEqual({ subscriptionId, changes: [] });
    expect(socket.frames.findIndex((f) => f.kind === 'notification')).toBe(1);
  });

  it('subscribing while conversations wait sends the response, the empty notification, then the rings', async () => {
    const consumer = await emulator.consumer({ skillId: '-1' });
    const socket = await open('bot');
    await socket.ok('.ams.routing.SetAgentState', { channels: ['MESSAGING'], agentUserId: id('bot').legacyId, availability: 'ONLINE' });
    const response = await socket.request('.ams.routing.SubscribeRoutingTasks', subscribeBody('bot'));
    await socket.sync();
    const i = socket.frames.indexOf(response);
    const [empty, ring] = [socket.frames[i + 1], socket.frames[i + 2]];
    expect(empty).toMatchObject({ type: '.ams.routing.RoutingTaskNotification', body: { changes: [] } });
    expect(ring).toMatchObject({ type: '.ams.routing.RoutingTaskNotification', body: { changes: [{ result: { conversationId: consumer.convId } }] } });
  });

  it('SetAgentState answers 202 and notifies the agent-state subscribers', async () => {
    const socket = await open('bot');
    const legacyId = id('bot').legacyId;
    const sub = (await socket.ok('.ams.routing.SubscribeAgentsState', { brandId: emulator.accountId, agentId: legacyId })) as { subscriptionId: string };
    const response = await socket.request('.ams.routing.SetAgentState', { channels: ['MESSAGING'], agentUserId: legacyId, availability: 'AWAY' });
    expect(response).toMatchObject({ code: 202, type: '.ReqBody$StringResp', body: 'Agent state updated successfully' });
    expect(await socket.notification('.ams.routing.AgentStateNotification')).toEqual({
      subscriptionId: sub.subscriptionId,
      changes: [{ type: 'UPSERT', result: { agentUserId: legacyId, channels: ['MESSAGING'], availability: 'AWAY', description: '' } }],
    });
    // a later subscriber first gets the current state
    const late = await open('bot');
    await late.ok('.ams.routing.SubscribeAgentsState', { brandId: emulator.accountId, agentId: legacyId });
    expect((await late.notification('.ams.routing.AgentStateNotification')).changes[0]?.result.availability).toBe('AWAY');
  });

  it('rings an ONLINE subscribed agent with the skill, and not an AWAY one', async () => {
    emulator.addAgent({ username: 'away', password: 'pw', skills: ['-1'] });
    const bot = await open('bot');
    const away = await open('away');
    await goOnline(bot, emulator, 'bot');
    await away.ok('.ams.routing.SubscribeRoutingTasks', subscribeBody('away'));
    await away.ok('.ams.routing.SetAgentState', { channels: ['MESSAGING'], agentUserId: id('away').legacyId, availability: 'AWAY' });

    const consumer = await emulator.consumer({ skillId: '-1' });
    const { changes } = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    expect(changes).toHaveLength(1);
    const task = changes[0]?.result;
    expect(changes[0]?.type).toBe('UPSERT');
    expect(task).toMatchObject({
      routingTaskId: expect.any(String),
      brandId: emulator.accountId,
      taskCompleted: false,
      conversationId: consumer.convId,
      consumerId: consumer.consumerId,
      skillId: '-1',
    });
    expect(task?.ringsDetails).toEqual([
      {
        ringId: expect.stringMatching(new RegExp(`^${consumer.convId}_${emulator.accountId}_\\d+$`)),
        ringExpiration: 72000,
        ringExpirationTs: expect.any(Number),
        ringState: 'WAITING',
        weight: expect.any(Number),
        brandId: emulator.accountId,
        convId: consumer.convId,
        consumerId: consumer.consumerId,
        skillId: '-1',
      },
    ]);
    await away.sync();
    expect(away.all('.ams.routing.RoutingTaskNotification').filter((b) => b.changes.length > 0)).toEqual([]);
    expect(emulator.conversation(consumer.convId)?.rings.map((r) => r.username)).toEqual(['bot']);
  });

  it('rings only agents with the skill', async () => {
    const bot = await open('bot');
    const sales = await open('sales');
    await goOnline(bot, emulator, 'bot');
    await goOnline(sales, emulator, 'sales');
    const consumer = await emulator.consumer({ skillId: '9' });
    await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.conversationId === consumer.convId);
    await sales.sync();
    expect(sales.all('.ams.routing.RoutingTaskNotification').filter((b) => b.changes.length > 0)).toEqual([]);
  });

  it('rings an agent for waiting conversations when it comes ONLINE later', async () => {
    const consumer = await emulator.consumer({ skillId: '7' });
    const sales = await open('sales');
    await goOnline(sales, emulator, 'sales');
    const ring = await sales.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    expect(ring.changes[0]?.result).toMatchObject({ conversationId: consumer.convId, skillId: '7' });
  });

  it('accepting a ring joins the agent as ASSIGNED_AGENT, completes the task and cancels the other rings', async () => {
    emulator.addAgent({ username: 'second', password: 'pw', skills: ['-1'] });
    const bot = await open('bot');
    const second = await open('second');
    await goOnline(bot, emulator, 'bot');
    await goOnline(second, emulator, 'second');
    await bot.ok('.ams.aam.SubscribeExConversations', { convState: ['OPEN'], agentIds: [id('bot').legacyId] });
    await bot.notification('.ams.aam.ExConversationChangeNotification');

    const consumer = await emulator.consumer({ skillId: '-1' });
    const ringOf = async (socket: TestSocket) =>
      (await socket.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.ringsDetails[0]?.ringState === 'WAITING')).changes[0]
        ?.result.ringsDetails[0]?.ringId ?? '';
    const ringId = await ringOf(bot);
    const otherRingId = await ringOf(second);
    expect(ringId).not.toBe(otherRingId);

    const accepted = await bot.request('.ams.routing.UpdateRingState', { ringId, ringState: 'ACCEPTED' });
    expect(accepted).toMatchObject({ code: 202, type: '.ReqBody$StringResp', body: 'Ring state updated successfully' });

    const mine = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.ringsDetails[0]?.ringState === 'ACCEPTED');
    expect(mine.changes[0]?.result).toMatchObject({ taskCompleted: true, assignedAgentId: id('bot').legacyId });
    const theirs = await second.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.ringsDetails[0]?.ringState === 'CANCELLED');
    expect(theirs.changes[0]?.result.taskCompleted).toBe(true);

    const change = await bot.notification('.ams.aam.ExConversationChangeNotification', (b) => b.changes.length > 0);
    expect(change.changes[0]?.type).toBe('UPSERT');
    const details = change.changes[0]?.result.conversationDetails;
    expect(details?.participants).toEqual({ CONSUMER: [consumer.consumerId], ASSIGNED_AGENT: [id('bot').legacyId] });
    expect(details?.participantsPId).toEqual({ CONSUMER: [consumer.consumerId], ASSIGNED_AGENT: [id('bot').userPid] });
    expect(details?.dialogs?.[0]).toMatchObject({
      dialogId: consumer.convId,
      dialogType: 'MAIN',
      channelType: 'MESSAGING',
      state: 'OPEN',
      participantsDetails: [
        { id: consumer.consumerId, role: 'CONSUMER', state: 'ACTIVE' },
        { id: id('bot').legacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
      ],
    });

    const late = await second.request('.ams.routing.UpdateRingState', { ringId: otherRingId, ringState: 'ACCEPTED' });
    expect(late).toMatchObject({ code: 400, type: '.ReqBody$StringResp' });
    expect((await bot.request('.ams.routing.UpdateRingState', { ringId, ringState: 'ACCEPTED' })).code).toBe(400);
  });

  it('refuses answers to unknown rings and to other agents’ rings', async () => {
    const bot = await open('bot');
    const sales = await open('sales');
    await goOnline(bot, emulator, 'bot');
    await emulator.consumer({ skillId: '-1' });
    const ring = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    const ringId = ring.changes[0]?.result.ringsDetails[0]?.ringId ?? '';
    expect((await sales.request('.ams.routing.UpdateRingState', { ringId, ringState: 'ACCEPTED' })).code).toBe(400);
    expect((await bot.request('.ams.routing.UpdateRingState', { ringId: 'nope', ringState: 'ACCEPTED' })).code).toBe(400);
  });

  it('rejecting a ring makes it REJECTED and leaves the conversation unassigned', async () => {
    const bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
    const consumer = await emulator.consumer();
    const ring = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    const ringId = ring.changes[0]?.result.ringsDetails[0]?.ringId ?? '';
    expect((await bot.request('.ams.routing.UpdateRingState', { ringId, ringState: 'REJECTED' })).code).toBe(202);
    const rejected = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.ringsDetails[0]?.ringState === 'REJECTED');
    expect(rejected.changes[0]?.result.taskCompleted).toBe(false);
    expect(emulator.conversation(consumer.convId)?.details.participants.ASSIGNED_AGENT).toBeUndefined();
  });

  it('expires unanswered rings after ringExpiration, and rings again', async () => {
    await emulator.close();
    emulator = await startEmulator({ seed: 2, ringExpiration: 30 });
    emulator.addAgent({ username: 'bot', password: 'secret' });
    const bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
    const consumer = await emulator.consumer();
    const expired = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.ringsDetails[0]?.ringState === 'EXPIRED');
    expect(expired.changes[0]?.result).toMatchObject({ conversationId: consumer.convId, taskCompleted: false });
    // Routing offers the conversation again: a new ring, WAITING.
    expect(emulator.conversation(consumer.convId)?.rings.map((r) => r.ringState)).toEqual(['EXPIRED', 'WAITING']);
  });

  it('cancels waiting rings when the consumer closes the conversation', async () => {
    const bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
    const consumer = await emulator.consumer();
    await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    await consumer.close();
    const cancelled = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes[0]?.result.ringsDetails[0]?.ringState === 'CANCELLED');
    expect(cancelled.changes[0]?.result.conversationId).toBe(consumer.convId);
  });

  it('does not ring an agent whose routing socket has closed', async () => {
    const bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
    await bot.close();
    while (emulator.connections('bot') > 0) await new Promise((r) => setImmediate(r));
    const consumer = await emulator.consumer();
    expect(emulator.conversation(consumer.convId)?.rings).toEqual([]);
  });
});
