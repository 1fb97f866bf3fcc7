import { startEmulator, type Emulator } from '../../src/emulator/index';
import { TestSocket } from './wsClient';

/** Requests shaped exactly as LivePerson's published schemas show them: accepted, as LivePerson does. */
describe('the emulator accepts schema-shaped requests', () => {
  let emulator: Emulator;
  let bot: TestSocket;

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 61 });
    emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    bot = await TestSocket.open(emulator, 'bot');
  });
  afterEach(async () => {
    bot.close();
    await emulator.close();
  });

  it('SetAgentState with only availability sets the sender\'s own state', async () => {
    expect((await bot.request('.ams.routing.SetAgentState', { availability: 'ONLINE' })).code).toBe(202);
    // The state took effect: a subscription with no body reports the sender's ONLINE state.
    await bot.ok('routing.SubscribeAgentsState');
    const state = await bot.notification('.ams.routing.AgentStateNotification');
    expect(state.changes[0]?.result.availability).toBe('ONLINE');
  });

  it('subscribe requests with no body', async () => {
    for (const type of ['routing.SubscribeRoutingTasks', 'routing.SubscribeAgentsState', 'cqm.SubscribeExConversations']) {
      const r = await bot.request(type, undefined);
      expect({ type, code: r.code }).toEqual({ type, code: 200 });
    }
  });

  it('AgentRequestConversation without channelType', async () => {
    const consumer = await emulator.consumer({ skillId: '-1' });
    const r = await bot.request('cm.AgentRequestConversation', { consumerId: consumer.consumerId });
    expect(r.code).toBeLessThan(400);
  });

  it('ms.SubscribeMessagingEvents and QueryMessages with fromSeq read the history after that sequence', async () => {
    await bot.ok('.ams.routing.SetAgentState', { availability: 'ONLINE' });
    await bot.ok('.ams.routing.SubscribeRoutingTasks');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const ring = await bot.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
    const ringId = ring.changes[0]?.result.ringsDetails[0]?.ringId ?? '';
    await bot.ok('.ams.routing.UpdateRingState', { ringId, ringState: 'ACCEPTED' });
    await consumer.send('one');
    await consumer.send('two');
    for (const type of ['ms.SubscribeMessagingEvents', '.ams.ms.QueryMessages']) {
      const records = (await bot.ok(type, { dialogId: consumer.convId, fromSeq: 1 })) as Array<{ sequence: number }>;
      expect({ type, sequences: records.map((r) => r.sequence) }).toEqual({ type, sequences: [2] });
    }
  });

  it('GenerateURLForUploadFile with the size as a string', async () => {
    const body = (await bot.ok('ms.GenerateURLForUploadFile', { fileSize: '5020', fileType: 'JPG' })) as { relativePath: string };
    expect(body.relativePath).toMatch(/\.jpg$/);
  });

  it('a request frame without kind', async () => {
    bot.send(JSON.stringify({ id: 'no-kind', type: 'GetClock', body: {} }));
    const response = await bot.take((f) => f.kind === 'resp' && f.reqId === 'no-kind');
    expect(response).toMatchObject({ kind: 'resp', code: 200 });
  });
});
