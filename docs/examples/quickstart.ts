import { filter, firstValueFrom, map, merge } from 'rxjs';
import { createAgent, type Command } from 'lp-agent-rx';

const agent = createAgent({ accountId: process.env.LP_ACCOUNT ?? '', username: process.env.LP_USER ?? '', password: process.env.LP_PASS ?? '', csdsDomain: process.env.LP_CSDS });
agent.errors$.subscribe((e) => console.error(e.kind, e.message));
const reply = (dialogId: string, message: string): Command =>
  ({ type: '.ams.ms.PublishEvent', body: { dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message } } });

firstValueFrom(agent.connect()).then(async () => {
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
  agent.run(merge(
    agent.rings$.pipe(filter((r) => r.ringState === 'WAITING'),
      map((r): Command => ({ type: '.ams.routing.UpdateRingState', body: { ringId: r.ringId, ringState: 'ACCEPTED' } }))),
    agent.messages$.pipe(filter((m) => m.type === 'ContentEvent' && !m.isMe), map((m) => reply(m.dialogId, 'Got it!'))),
  ));
}, (e: Error) => console.error('could not connect:', e.message));
