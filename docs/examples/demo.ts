/**
 * `npm start`: a minimal bot written with lp-agent-rx, run against the in-process emulator.
 * It accepts the ring of each simulated consumer, greets them, echoes what they say and closes
 * the conversation; then prints a summary and exits 0. No credentials, no network.
 */
import { filter, firstValueFrom, map, merge, mergeMap, take, timeout, toArray } from 'rxjs';
import { createAgent, type Command } from 'lp-agent-rx';
import { startEmulator } from 'lp-agent-rx/emulator';

async function main(): Promise<void> {
  const emulator = await startEmulator({ port: 0, seed: 1 });
  const creds = emulator.addAgent({ username: 'demo-bot', password: 'demo-secret', skills: ['-1'] });
  const agent = createAgent({ ...creds, logger: { warn: (m) => console.warn(`warn: ${m}`) } });
  agent.errors$.subscribe((e) => console.error(`error: ${e.kind}: ${e.message}`));

  await firstValueFrom(agent.connect());
  const me = agent.identity;
  console.log(`connected to the emulator at ${emulator.host} as ${me?.legacyId}`);
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: me ? [me.legacyId] : [] }));
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));

  const text = (dialogId: string, message: string): Command => ({
    type: '.ams.ms.PublishEvent',
    body: { dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message } },
  });

  // The whole bot: accept waiting rings, greet new conversations, echo messages, close on "bye".
  const greeted = new Set<string>();
  agent.run(
    merge(
      agent.rings$.pipe(
        filter((ring) => ring.ringState === 'WAITING'),
        map((ring): Command => ({ type: '.ams.routing.UpdateRingState', body: { ringId: ring.ringId, ringState: 'ACCEPTED' } })),
      ),
      agent.conversations$.pipe(
        filter((c) => c.type === 'UPSERT' && c.myRole === 'ASSIGNED_AGENT' && !greeted.has(c.convId)),
        map((c) => (greeted.add(c.convId), text(c.convId, 'Hello! I am the demo bot. Say anything, or "bye".'))),
      ),
      agent.messages$.pipe(
        filter((m) => m.type === 'ContentEvent' && !m.isMe && m.event.contentType === 'text/plain'),
        mergeMap((m): Command[] => {
          const said = m.type === 'ContentEvent' && typeof m.event.message === 'string' ? m.event.message : '';
          if (said === 'bye') {
            return [{ type: '.ams.cm.UpdateConversationField', body: { conversationId: m.convId, conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] } }];
          }
          return [
            { type: '.ams.ms.PublishEvent', body: { dialogId: m.dialogId, event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [m.sequence] } } },
            text(m.dialogId, `You said: ${said}`),
          ];
        }),
      ),
    ),
  );

  const transcripts = await Promise.all(
    ['Ada', 'Grace', 'Linus'].map(async (name) => {
      const consumer = await emulator.consumer({ skillId: '-1' });
      const replies = firstValueFrom(
        consumer.received$.pipe(
          filter((r) => r.event.type === 'ContentEvent'),
          map((r) => (r.event.type === 'ContentEvent' && typeof r.event.message === 'string' ? r.event.message : '')),
          take(2),
          toArray(),
          timeout({ first: 10_000 }),
        ),
      );
      await firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent'), timeout({ first: 10_000 })));
      await consumer.send(`hi, I am ${name}`);
      const got = await replies;
      await consumer.send('bye');
      return { name, convId: consumer.convId, got };
    }),
  );

  for (const t of transcripts) {
    console.log(`\n[${t.convId.slice(0, 8)}] ${t.name}`);
    for (const line of t.got) console.log(`  bot> ${line}`);
  }
  console.log(`\nsummary: ${transcripts.length} conversations, ${transcripts.reduce((n, t) => n + t.got.length, 0)} bot messages`);
  agent.dispose();
  await emulator.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
