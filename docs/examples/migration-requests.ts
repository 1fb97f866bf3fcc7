/**
 * Every request method of node-agent-sdk, called the lp-agent-rx way: each returns a cold
 * Observable of the decoded response (subscribe, or `firstValueFrom`, to send it); a failure is an
 * error of the Observable (RequestFailed, RequestTimeout, ConnectionClosed), never a callback's `e`.
 * See docs/migrating-from-node-agent-sdk.md.
 */
import { firstValueFrom } from 'rxjs';
import {
  closeConversation,
  createAgent,
  joinAsManager,
  sendText,
  transferToAgent,
  transferToSkill,
  type Agent,
} from 'lp-agent-rx';

async function everyRequest(agent: Agent, convId: string, consumerId: string): Promise<void> {
  // subscribeExConversations / unsubscribeExConversations
  // (the response's `subscriptionId` is optional: LivePerson's docs also show it as `subScriptionId`)
  const conversations = await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.userPid ?? ''] }));
  await firstValueFrom(agent.unsubscribeExConversations({ subscriptionId: conversations.subscriptionId ?? '' }));

  // subscribeRoutingTasks / updateRoutingTaskSubscription (no typed method: `call` with the long type)
  const routing = await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.call('.ams.routing.UpdateRoutingTaskSubscription', { subscriptionId: routing.subscriptionId ?? '', skillId: '-1' }));

  // subscribeAgentsState / setAgentState
  await firstValueFrom(agent.subscribeAgentsState());
  const stateText = await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));

  // subscribeMessagingEvents({dialogId}) → queryMessages (history also delivered on messages$)
  const history = await firstValueFrom(agent.queryMessages({ dialogId: convId, newerThanSequence: 0 }));

  // getClock / getUserProfile (the raw profile, not node-agent-sdk's SDE array)
  const { currentTime } = await firstValueFrom(agent.getClock());
  const profile = await firstValueFrom(agent.getUserProfile(consumerId));

  // publishEvent: text, typing, a shared file
  const { sequence } = await firstValueFrom(agent.publishEvent(sendText(convId, 'hello world!').body));
  await firstValueFrom(agent.publishEvent({ dialogId: convId, event: { type: 'ChatStateEvent', chatState: 'COMPOSING' } }));
  const upload = await firstValueFrom(agent.generateURLForUploadFile({ fileSize: 5020, fileType: 'JPEG' }));
  await firstValueFrom(agent.publishEvent({
    dialogId: convId,
    event: { type: 'ContentEvent', contentType: 'hosted/file', message: { caption: 'a photo', relativePath: upload.relativePath, fileType: 'JPEG' } },
  }));
  const download = await firstValueFrom(agent.generateURLForDownloadFile({ relativePath: upload.relativePath }));

  // updateConversationField: the README's examples, as command builders (or raw bodies)
  await firstValueFrom(agent.execute(joinAsManager(convId)));
  await firstValueFrom(agent.execute(transferToSkill(convId, '12345')));
  await firstValueFrom(agent.execute(transferToAgent(convId, '12345678.4411', '12345')));
  await firstValueFrom(agent.updateConversationField({
    conversationId: convId,
    conversationField: [{ field: 'DialogChange', type: 'UPDATE', dialog: { dialogId: convId, state: 'CLOSE' } }],
  }));
  await firstValueFrom(agent.execute(closeConversation(convId)));

  // updateRingState / agentRequestConversation
  await firstValueFrom(agent.updateRingState({ ringId: `${convId}_12345678_1517000827442`, ringState: 'ACCEPTED' }));
  const { conversationId } = await firstValueFrom(agent.agentRequestConversation({ consumerId }));

  // agent.request(type, body, headers, metadata, encodedMetadata, cb) → request(type, body, { metadata, timeout })
  const raw = await firstValueFrom(agent.request('.GetClock', {}, { timeout: 2_000 }));

  console.log(JSON.stringify(stateText), history.length, currentTime, profile.firstName, sequence, download.relativePath, conversationId, raw.code);
}

const agent = createAgent({ accountId: process.env.LP_ACCOUNT ?? '', username: process.env.LP_USER ?? '', password: process.env.LP_PASS ?? '' });
firstValueFrom(agent.connect())
  .then(() => everyRequest(agent, process.env.LP_CONV ?? '', process.env.LP_CONSUMER ?? ''))
  .catch((e: Error) => console.error(e.message))
  .finally(() => agent.dispose()); // dispose()
