import { firstValueFrom, filter, map } from 'rxjs';
import { createAgent, type AgentError, type MessagingEvent } from '../../src/index';
import { startEmulator, type Consumer } from '../../src/emulator/index';
import { next } from './helpers';

const textOf = (m: MessagingEvent): string | undefined => (m.type === 'ContentEvent' && typeof m.event.message === 'string' ? m.event.message : undefined);

describe('pacing against a rate-limiting server', () => {
  it('follows 12 conversations, then catches them up under a 429-answering server: every message once, no failure reported', async () => {
    const emulator = await startEmulator({ port: 0, seed: 21 });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    const agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 20, jitter: 0 }, pacing: { perSecond: 50, burst: 50, rateLimitedWait: 100 } });
    const errors: AgentError[] = [];
    const delivered: string[] = [];
    agent.errors$.subscribe((e) => errors.push(e));
    agent.messages$.pipe(filter((m) => !m.isMe), map(textOf)).subscribe((t) => t !== undefined && delivered.push(t));
    let queries = 0;
    const counting = emulator.requests$.subscribe((r) => r.request.type === '.ams.ms.QueryMessages' && queries++);
    try {
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
      await firstValueFrom(agent.subscribeRoutingTasks());
      await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
      agent.run(agent.rings$.pipe(filter((r) => r.ringState === 'WAITING'), map((r) => ({ type: '.ams.routing.UpdateRingState' as const, body: { ringId: r.ringId, ringState: 'ACCEPTED' as const } }))));
      const consumers: Consumer[] = [];
      for (let i = 0; i < 12; i++) {
        const consumer = await emulator.consumer({ skillId: '-1' });
        await consumer.send(`first ${i}`); // written before the ring is accepted
        consumers.push(consumer);
      }
      await next(agent.messages$, () => delivered.filter((t) => t.startsWith('first')).length === 12, 15_000);

      // From now on the server allows 4 requests a second per socket; the agent would like 50.
      emulator.faults.rateLimit({ perSecond: 4, burst: 4 });
      const down = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.dropConnections(1006);
      await down;
      for (const [i, c] of consumers.entries()) await c.send(`during ${i}`);
      await next(agent.messages$, () => delivered.filter((t) => t.startsWith('during')).length === 12, 15_000);

      expect([...delivered].sort()).toEqual([...Array.from({ length: 12 }, (_, i) => `first ${i}`), ...Array.from({ length: 12 }, (_, i) => `during ${i}`)].sort());
      expect(queries).toBeGreaterThan(12 + 12); // some were answered 429 and sent again
      expect(errors.filter((e) => e.kind === 'RequestFailed' && e.code === 429)).toEqual([]);
    } finally {
      counting.unsubscribe();
      agent.dispose();
      await emulator.close();
    }
  }, 30_000);
});
