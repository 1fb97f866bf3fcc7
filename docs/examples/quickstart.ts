import { firstValueFrom, map, merge } from 'rxjs';
import { acceptWaitingRings, contentEvents, createAgent, sendText } from 'lp-agent-rx';

const agent = createAgent({ accountId: process.env.LP_ACCOUNT ?? '', username: process.env.LP_USER ?? '', password: process.env.LP_PASS ?? '', csdsDomain: process.env.LP_CSDS });
agent.errors$.subscribe((e) => console.error(e.kind, e.message));
// Pipelines first: streams are hot, and waiting rings arrive the moment the agent goes ONLINE.
agent.run(merge(
  agent.rings$.pipe(acceptWaitingRings()),
  agent.messages$.pipe(contentEvents(), map((m) => sendText(m.dialogId, 'Got it!'))),
));

firstValueFrom(agent.connect()).then(async () => {
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
}, (e: Error) => console.error('could not connect:', e.message));
