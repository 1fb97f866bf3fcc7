/**
 * node-agent-sdk's seed bot (README "routing.RoutingTaskNotification" and
 * "cqm.ExConversationChangeNotification" samples), rewritten as an lp-agent-rx pipeline:
 * accept every WAITING ring and reply to every consumer message. The agent follows each conversation
 * it joins on its own (the history `subscribeMessagingEvents` fetched arrives on `messages$` first).
 * See docs/migrating-from-node-agent-sdk.md.
 */
import { firstValueFrom, map, merge, type Observable } from 'rxjs';
import {
  acceptWaitingRings,
  contentEvents,
  createAgent,
  markAsRead,
  sendText,
  type Agent,
  type Command,
} from 'lp-agent-rx';

/** The bot: every command it wants sent, for `agent.run`. */
function seedBot(agent: Agent): Observable<Command> {
  // routing.RoutingTaskNotification → updateRingState ACCEPTED, once per WAITING ring.
  const accept$ = agent.rings$.pipe(acceptWaitingRings({ conversations$: agent.conversations$ }));

  // cqm.ExConversationChangeNotification → subscribeMessagingEvents is gone: the agent follows every
  // conversation it joins, history first. ms.MessagingEventNotification → read receipt + reply.
  // Each (dialog, sequence) arrives once, so history and the live distribution never answer twice.
  const read$ = agent.messages$.pipe(markAsRead());
  const reply$ = agent.messages$.pipe(
    contentEvents(),
    map((m) => sendText(m.dialogId, `You said: ${m.event.message}`)),
  );

  return merge(accept$, read$, reply$);
}

async function main(): Promise<void> {
  const agent = createAgent({
    accountId: process.env.LP_ACCOUNT ?? '',
    username: process.env.LP_USER ?? '',
    password: process.env.LP_PASS ?? '',
    csdsDomain: process.env.LP_CSDS,
  });
  agent.errors$.subscribe((e) => console.error(e.kind, e.message));

  // agent.on('connected', ...) → await connect(); the subscriptions below are replayed by the agent
  // after every reconnect, so they are made once, not in a 'connected' handler.
  // The pipeline runs before the agent goes ONLINE: streams are hot, and a waiting ring is sent the
  // moment the agent is available (a late subscriber would miss it).
  agent.run(seedBot(agent));
  await firstValueFrom(agent.connect());
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.userPid ?? ''] }));
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));

  process.once('SIGTERM', () => agent.dispose());
}

main().catch((e: Error) => console.error('could not connect:', e.message));
