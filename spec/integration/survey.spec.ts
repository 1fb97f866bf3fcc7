import { filter, firstValueFrom } from 'rxjs';
import { createAgent, type MessagingEvent } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { next } from './helpers';

const textOf = (m: MessagingEvent): string | undefined => (m.type === 'ContentEvent' && typeof m.event.message === 'string' ? m.event.message : undefined);

describe('post-conversation survey, as in LivePerson frames', () => {
  it('closes the conversation with stage OPEN and an open survey dialog that is followed, its messages keeping their conversation', async () => {
    const emulator = await startEmulator({ port: 0, seed: 51, postSurvey: true });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    const agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 20, jitter: 0 } });
    const messages: MessagingEvent[] = [];
    agent.messages$.subscribe((m) => messages.push(m));
    const raw: unknown[] = [];
    agent.notifications$.pipe(filter((n) => n.type === '.ams.ms.OnlineEventDistribution')).subscribe((n) => raw.push(n.body));
    try {
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
      await firstValueFrom(agent.subscribeRoutingTasks());
      await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
      const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
      const consumer = await emulator.consumer({ skillId: '-1' });
      const joined$ = next(agent.conversations$, (c) => c.myRole === 'ASSIGNED_AGENT');
      await firstValueFrom(agent.updateRingState({ ringId: (await ring$).ringId, ringState: 'ACCEPTED' }));
      await joined$;

      const closed$ = next(agent.conversations$, (c) => c.conversation.state === 'CLOSE');
      await firstValueFrom(
        agent.updateConversationField({
          conversationId: consumer.convId,
          conversationField: [{ field: 'DialogChange', type: 'UPDATE', dialogId: consumer.convId, dialog: { dialogId: consumer.convId, state: 'CLOSE' } }],
        }),
      );
      const closed = await closed$;
      expect(closed.conversation).toMatchObject({ state: 'CLOSE', stage: 'OPEN', closeReason: 'AGENT' });
      const survey = closed.conversation.dialogs.find((d) => d.dialogType === 'POST_SURVEY');
      expect(survey).toMatchObject({ state: 'OPEN', metaData: expect.any(Object) });
      expect(survey?.participants.map((p) => p.role)).toEqual(['CONSUMER']);

      const answer$ = next(agent.messages$, (m) => textOf(m) === '5 stars');
      await consumer.send('5 stars');
      expect(await answer$).toMatchObject({ dialogId: survey?.dialogId, convId: consumer.convId });
      // No conversationId on the wire: the agent mapped the dialog itself.
      expect(raw.every((r) => !('conversationId' in (r as object)))).toBe(true);

      // Still followed: what the consumer writes in the survey during a drop arrives after it, once.
      const down = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.dropConnections(1006);
      await down;
      await consumer.send('and a comment');
      await next(agent.messages$, (m) => textOf(m) === 'and a comment');
      await firstValueFrom(agent.getClock());
      expect(messages.filter((m) => textOf(m) === 'and a comment')).toHaveLength(1);
    } finally {
      agent.dispose();
      await emulator.close();
    }
  });
});
