import { startEmulator, type Emulator } from '../../src/emulator/index';
import { acceptNextRing, goOnline, socketPool } from './wsClient';

/** Shapes the emulator produces the way LivePerson's samples show them. */
describe('emulator fidelity to LivePerson samples', () => {
  let emulator: Emulator;
  const pool = socketPool(() => emulator);

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 81 });
    emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    emulator.addAgent({ username: 'controller', password: 'pw', skills: ['none'] });
  });
  afterEach(async () => {
    await pool.closeAll();
    await emulator.close();
  });

  it("puts a consumer's id in privateData.userId, not at the top level of its profile", async () => {
    const bot = await pool.open('bot');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const profile = (await bot.ok('up.GetUserProfile', consumer.consumerId)) as Record<string, unknown>;
    expect(profile).not.toHaveProperty('userId');
    expect(profile['privateData']).toMatchObject({ userId: consumer.consumerId });
  });

  it('sends effectiveTTR -1, a closedCause on closed dialogs, and a partial participantsPId for a CONTROLLER', async () => {
    const bot = await pool.open('bot');
    const controller = await pool.open('controller');
    await goOnline(bot, emulator, 'bot');
    const consumer = await emulator.consumer({ skillId: '-1' });
    await acceptNextRing(bot);
    await bot.ok('.ams.aam.SubscribeExConversations', { convState: ['OPEN', 'CLOSE'] });
    await controller.ok('.ams.cm.UpdateConversationField', {
      conversationId: consumer.convId,
      conversationField: [{ field: 'ParticipantsChange', type: 'ADD', role: 'CONTROLLER' }],
    });
    const withController = await bot.notification('.ams.aam.ExConversationChangeNotification', (b) =>
      b.changes.some((c) => (c.result.conversationDetails.participants['CONTROLLER'] as unknown[] | undefined)?.length === 1),
    );
    const result = withController.changes[0]?.result;
    expect(result?.effectiveTTR).toBe(-1);
    expect(result?.conversationDetails.participants['CONTROLLER']).toEqual([emulator.agentIdentity('controller').legacyId]);
    expect(result?.conversationDetails.participantsPId?.['CONTROLLER']).toBeUndefined();

    await bot.ok('.ams.cm.UpdateConversationField', {
      conversationId: consumer.convId,
      conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }],
    });
    const closed = await bot.notification('.ams.aam.ExConversationChangeNotification', (b) => b.changes.some((c) => c.result.conversationDetails.state === 'CLOSE'));
    expect(closed.changes[0]?.result.conversationDetails.dialogs?.[0]).toMatchObject({ state: 'CLOSE', closedBy: 'AGENT', closedCause: expect.any(String) });
  });
});
