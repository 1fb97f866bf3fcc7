import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';
import { goOnline, socketPool, TestSocket, updateConversationField } from './wsClient';

describe('emulator routing rules: OCCUPIED agents, transfers, managers, post-survey dialogs', () => {
  let emulator: Emulator;
  let bot: TestSocket;
  const { open, closeAll } = socketPool(() => emulator);
  const id = (username: string) => emulator.agentIdentity(username);
  const field = updateConversationField;
  const setState = (socket: TestSocket, username: string, availability: string) =>
    socket.ok('.ams.routing.SetAgentState', { channels: ['MESSAGING'], agentUserId: id(username).legacyId, availability });
  const ringFor = async (socket: TestSocket, convId: string, ringState = 'WAITING'): Promise<string> => {
    const body = await socket.notification(
      '.ams.routing.RoutingTaskNotification',
      (b) => b.changes[0]?.result.conversationId === convId && b.changes[0]?.result.ringsDetails[0]?.ringState === ringState,
    );
    return body.changes[0]?.result.ringsDetails[0]?.ringId ?? '';
  };
  const ringsOf = (socket: TestSocket, convId: string) =>
    socket.all('.ams.routing.RoutingTaskNotification').filter((b) => b.changes[0]?.result.conversationId === convId);
  /** A conversation `bot` accepted. */
  const assigned = async (skillId = '-1'): Promise<Consumer> => {
    const consumer = await emulator.consumer({ skillId });
    await bot.ok('.ams.routing.UpdateRingState', { ringId: await ringFor(bot, consumer.convId), ringState: 'ACCEPTED' });
    return consumer;
  };

  const start = async (options: { postSurvey?: boolean } = {}) => {
    emulator = await startEmulator({ port: 0, seed: 1, ...options });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    emulator.addAgent({ username: 'manager', password: 'pw', skills: [] });
    emulator.addAgent({ username: 'sales', password: 'pw', skills: ['7'] });
    bot = await open('bot');
    await goOnline(bot, emulator, 'bot');
  };
  afterEach(async () => {
    await emulator.close();
    await closeAll();
  });

  describe('routing', () => {
    beforeEach(() => start());

    it('does not ring an OCCUPIED agent for a new conversation, but does for a transfer to its skill', async () => {
      const sales = await open('sales');
      await goOnline(sales, emulator, 'sales');
      await setState(sales, 'sales', 'OCCUPIED');
      const fresh = await emulator.consumer({ skillId: '7' });
      await sales.sync();
      expect(ringsOf(sales, fresh.convId)).toEqual([]);

      const consumer = await assigned();
      await field(bot, consumer.convId, [
        { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
        { field: 'Skill', type: 'UPDATE', skill: '7' },
      ]);
      const ringId = await ringFor(sales, consumer.convId);
      expect((await sales.request('.ams.routing.UpdateRingState', { ringId, ringState: 'ACCEPTED' })).code).toBe(202);
      expect(emulator.conversation(consumer.convId)?.details.participants.ASSIGNED_AGENT).toEqual([id('sales').legacyId]);
      expect(ringsOf(sales, fresh.convId)).toEqual([]);
    });

    it('a transfer to skill starts a new routing task and never rings the agent that left', async () => {
      emulator.addAgent({ username: 'other', password: 'pw', skills: ['-1'] });
      const other = await open('other');
      const consumer = await assigned();
      await goOnline(other, emulator, 'other');
      const before = emulator.conversation(consumer.convId)?.rings.map((r) => r.routingTaskId) ?? [];
      await field(bot, consumer.convId, [
        { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
        { field: 'Skill', type: 'UPDATE', skill: '7' },
      ]);
      await ringFor(other, consumer.convId);
      const rings = emulator.conversation(consumer.convId)?.rings ?? [];
      const latest = rings[rings.length - 1];
      expect(latest).toMatchObject({ username: 'other', ringState: 'WAITING' });
      expect(before).not.toContain(latest?.routingTaskId);
      expect(rings.filter((r) => r.username === 'bot')).toHaveLength(1);
    });

    it('transfers to an agent: SUGGESTED in the MAIN dialog, rung alone, ACTIVE ASSIGNED_AGENT on accept', async () => {
      emulator.addAgent({ username: 'other', password: 'pw', skills: ['-1'] });
      const other = await open('other');
      const sales = await open('sales');
      const consumer = await assigned();
      await goOnline(other, emulator, 'other');
      await goOnline(sales, emulator, 'sales');
      const transfer = await field(bot, consumer.convId, [
        { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT' },
        { field: 'ParticipantsChange', type: 'SUGGEST', role: 'ASSIGNED_AGENT', userId: id('sales').legacyId },
      ]);
      expect(transfer.code).toBe(200);
      const main = () => emulator.conversation(consumer.convId)?.details.dialogs?.find((d) => d.dialogType === 'MAIN');
      expect(main()?.participantsDetails).toContainEqual({ id: id('sales').legacyId, role: 'ASSIGNED_AGENT', state: 'SUGGESTED' });
      expect(emulator.conversation(consumer.convId)?.details.participantsPId?.ASSIGNED_AGENT).toBeUndefined();

      const ringId = await ringFor(sales, consumer.convId);
      await other.sync();
      expect(ringsOf(other, consumer.convId).filter((b) => b.changes.length > 0)).toEqual([]);
      await sales.ok('.ams.routing.UpdateRingState', { ringId, ringState: 'ACCEPTED' });
      expect(main()?.participantsDetails).toContainEqual({ id: id('sales').legacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' });
      expect(main()?.participantsDetails?.filter((p) => p.state === 'SUGGESTED')).toEqual([]);
      expect(emulator.conversation(consumer.convId)?.details.participantsPId?.ASSIGNED_AGENT).toEqual([id('sales').userPid]);
    });

    it('a manager joins as MANAGER, gets the messages, then leaves and gets no more', async () => {
      const consumer = await assigned();
      const manager = await open('manager');
      expect((await field(manager, consumer.convId, [{ field: 'ParticipantsChange', type: 'ADD', role: 'MANAGER' }])).code).toBe(200);
      await consumer.send('first');
      expect((await manager.notification('.ams.ms.OnlineEventDistribution')).event).toMatchObject({ message: 'first' });
      const left = await field(manager, consumer.convId, [{ field: 'ParticipantsChange', type: 'REMOVE', role: 'MANAGER' }]);
      expect(left).toMatchObject({ code: 200, body: 'OK Agent removed successfully' });
      expect(emulator.conversation(consumer.convId)?.details.participants.MANAGER).toBeUndefined();
      await consumer.send('second');
      await bot.notification('.ams.ms.OnlineEventDistribution', (r) => r.sequence === 2);
      await manager.sync();
      expect(manager.all('.ams.ms.OnlineEventDistribution').map((r) => r.sequence)).toEqual([1]);
    });
  });

  describe('post-survey dialogs', () => {
    const closeDialog = (convId: string, dialogId: string) =>
      field(bot, convId, [{ field: 'DialogChange', type: 'UPDATE', dialog: { dialogId, state: 'CLOSE' } }]);

    it('closing MAIN with postSurvey opens a POST_SURVEY dialog with its own id and sequences', async () => {
      await start({ postSurvey: true });
      const consumer = await assigned();
      expect(await consumer.send('bye')).toBe(1);
      expect((await closeDialog(consumer.convId, consumer.convId)).code).toBe(200);
      const details = emulator.conversation(consumer.convId)?.details;
      // As LivePerson's frames show: CLOSE (with its reason) while the stage stays OPEN during the survey.
      expect(details).toMatchObject({ state: 'CLOSE', stage: 'OPEN', closeReason: 'AGENT' });
      expect(details?.dialogs).toMatchObject([
        { dialogId: consumer.convId, dialogType: 'MAIN', state: 'CLOSE', closedBy: 'AGENT' },
        { dialogType: 'POST_SURVEY', channelType: 'MESSAGING', state: 'OPEN', metaData: expect.any(Object) },
      ]);
      // The survey dialog lists the consumer only, not the agents.
      expect(details?.dialogs?.[1]?.participantsDetails?.map((p) => p.role)).toEqual(['CONSUMER']);
      const surveyId = details?.dialogs?.[1]?.dialogId ?? '';
      expect(surveyId).not.toBe(consumer.convId);

      expect(await consumer.send('5 stars')).toBe(1);
      const record = await bot.notification('.ams.ms.OnlineEventDistribution', (r) => r.dialogId === surveyId);
      expect(record).toMatchObject({ sequence: 1, event: { message: '5 stars' } });
      expect(record).not.toHaveProperty('conversationId');
      const history = await bot.ok('.ams.ms.QueryMessages', { dialogId: surveyId, newerThanSequence: 0 });
      expect(history).toMatchObject([{ dialogId: surveyId, sequence: 1 }]);

      expect((await closeDialog(consumer.convId, surveyId)).code).toBe(200);
      expect(emulator.conversation(consumer.convId)?.details).toMatchObject({ state: 'CLOSE', stage: 'CLOSE' });
    });

    it('closing MAIN without postSurvey closes the conversation and opens no dialog', async () => {
      await start();
      const consumer = await assigned();
      await closeDialog(consumer.convId, consumer.convId);
      const details = emulator.conversation(consumer.convId)?.details;
      expect(details?.state).toBe('CLOSE');
      expect(details?.dialogs).toHaveLength(1);
    });
  });
});
