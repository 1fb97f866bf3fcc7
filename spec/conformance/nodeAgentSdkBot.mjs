// An echo bot written with LivePerson's own node-agent-sdk, as its README writes bots: the "any
// bot, any language" check of spec/conformance/anyBot.spec.ts runs it against a standalone
// lp-emulator process. The SDK trusts the emulator's certificate through NODE_EXTRA_CA_CERTS.
//
// argv[2]: {accountId, username, password, csdsDomain} as JSON. stdout: 'online' once ready.

import process from 'node:process';
import nodeAgentSdk from 'node-agent-sdk';

const { Agent } = nodeAgentSdk;
const agent = new Agent(JSON.parse(process.argv[2]));
const noop = () => undefined;

agent.on('connected', () => {
  agent.setAgentState({ availability: 'ONLINE' }, noop);
  agent.subscribeRoutingTasks({}, noop);
  agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.agentId] }, () => process.stdout.write('online\n'));
});

agent.on('routing.RoutingTaskNotification', (body) => {
  for (const change of body.changes) {
    if (change.type !== 'UPSERT') continue;
    for (const ring of change.result.ringsDetails) {
      if (ring.ringState === 'WAITING') agent.updateRingState({ ringId: ring.ringId, ringState: 'ACCEPTED' }, noop);
    }
  }
});

agent.on('ms.MessagingEventNotification', (body) => {
  for (const change of body.changes) {
    const role = change.originatorMetadata && change.originatorMetadata.role;
    if (role !== 'CONSUMER' || !change.event || change.event.type !== 'ContentEvent') continue;
    agent.publishEvent({ dialogId: change.dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message: `sdk echo: ${change.event.message}` } }, noop);
  }
});

agent.on('error', (err) => process.stderr.write(`sdk error: ${err && err.message}\n`));
process.on('SIGTERM', () => {
  agent.dispose();
  process.exit(0);
});
