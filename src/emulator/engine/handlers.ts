import { isRight } from 'fp-ts/lib/Either.js';
import {
  ClientProperties,
  type DownloadTokenResponse,
  type KnownEventRecord,
  type FileUrlResponse,
  type Request,
  type UserProfile,
} from '../../protocol/index.js';
import { agentClientProperties, RequestError, type EmulatorCore, type Originator } from './core.js';
import { updateConversationFields } from './fields.js';
import { notification, type AgentSocket } from './hub.js';
import type { AgentRecord, ConversationRecord } from './state.js';

/**
 * A success response: code and body (its `type` comes from the request definition).
 *
 * @example
 * const reply: Reply = { code: 202, body: 'Ring state updated successfully' };
 */
export interface Reply {
  readonly code: number;
  readonly body: unknown;
}

const ok = (body: unknown): Reply => ({ code: 200, body });

/**
 * Runs one decoded request from an agent's socket and returns its response. Refusals throw
 * `RequestError` (the caller turns it into a 400 response). Notifications the request causes for
 * the same socket are sent after the response by the caller.
 *
 * @example
 * handleRequest(core, socket, { kind: 'req', id: '1', type: '.GetClock', sentType: 'GetClock', body: {} });
 * // { code: 200, body: { currentTime: 1700000000000 } }
 */
export function handleRequest(core: EmulatorCore, socket: AgentSocket, request: Request): Reply {
  const { state, hub, router } = core;
  const agent = socket.agent;
  switch (request.type) {
    case '.GetClock':
      return ok({ currentTime: state.clock.now() });
    case '.KeepAlive':
      return ok('OK');
    case '.ams.routing.SetAgentState': {
      // LivePerson's schema needs only `availability`: without `agentUserId` it is the sender's own state.
      const target = request.body.agentUserId === undefined ? agent : state.agentById(request.body.agentUserId, agent.accountId);
      if (!target) throw new RequestError(`Agent ${request.body.agentUserId ?? ''} not found`);
      core.setAgentState(target, request.body.availability, request.body.description);
      return { code: 202, body: 'Agent state updated successfully' };
    }
    case '.ams.routing.SubscribeAgentsState': {
      const subscriptionId = state.random.uuid();
      // Without `agentId` (LivePerson's schema sends no body) the sender watches itself.
      const watchedId = request.body.agentId ?? agent.legacyId;
      const watched = state.agentById(watchedId, agent.accountId);
      socket.agentStateSubscriptions.set(subscriptionId, watched?.legacyId ?? watchedId);
      if (watched?.availability !== undefined) hub.sendAgentState(socket, subscriptionId, watched);
      return ok({ subscriptionId });
    }
    case '.ams.routing.SubscribeRoutingTasks': {
      const { agentId } = request.body;
      if (agentId !== undefined && state.agentById(agentId, agent.accountId) !== agent) throw new RequestError('agentId is not the connected agent');
      const subscriptionId = state.random.uuid();
      socket.routingSubscriptionId = subscriptionId;
      socket.send(notification('.ams.routing.RoutingTaskNotification', { subscriptionId, changes: [] }));
      router.ringWaiting(agent);
      return ok({ subscriptionId });
    }
    case '.ams.routing.UpdateRoutingTaskSubscription':
      return ok('OK');
    case '.ams.routing.UpdateRingState': {
      const answer = router.answer(agent, request.body.ringId, request.body.ringState);
      if (!answer.ok) throw new RequestError(answer.message);
      if (request.body.ringState === 'ACCEPTED') {
        core.join(answer.conv, agent, 'ASSIGNED_AGENT');
        core.changed(answer.conv);
      }
      return { code: 202, body: 'Ring state updated successfully' };
    }
    case '.ams.aam.SubscribeExConversations': {
      const subscriptionId = state.random.uuid();
      socket.exSubscriptions.set(subscriptionId, { filter: request.body, sent: new Set() });
      hub.sendSnapshot(socket, subscriptionId, state.conversations.values());
      return ok({ subscriptionId });
    }
    case '.ams.aam.UnsubscribeExConversations':
      socket.exSubscriptions.delete(request.body.subscriptionId);
      return ok('OK');
    case '.ams.aam.UpdateExConversationSubscription': {
      const { subscriptionId, ...filter } = request.body;
      if (!socket.exSubscriptions.has(subscriptionId)) throw new RequestError(`Subscription ${subscriptionId} not found`);
      socket.exSubscriptions.set(subscriptionId, { filter, sent: new Set() });
      hub.sendSnapshot(socket, subscriptionId, state.conversations.values());
      return ok('OK');
    }
    case '.ams.cm.UpdateConversationField':
      return ok(updateConversationFields(core, agent, request.body));
    case '.ams.ms.PublishEvent': {
      const { dialogId, conversationId, event, messageAudience } = request.body;
      const conv = conversationOf(core, agent, dialogId, conversationId);
      const participant = conv.participants.find((p) => p.id === agent.legacyId);
      if (!participant) throw new RequestError('Agent does not exist in conversation');
      const originator: Originator = {
        id: agent.legacyId,
        pid: agent.userPid,
        role: participant.role,
        clientProperties: clientPropertiesOf(request.headers),
      };
      const sequence = core.publish(conv, dialogId, originator, event, { metadata: request.metadata, audience: messageAudience });
      return ok({ sequence });
    }
    case '.ams.ms.QueryMessages': {
      const { dialogId, olderThanSequence, maxQuantity } = request.body;
      const newerThanSequence = request.body.newerThanSequence ?? request.body.fromSeq ?? 0;
      const conv = conversationOf(core, agent, dialogId, undefined);
      const events = conv.dialogs.find((d) => d.dialogId === dialogId)?.events ?? [];
      const records: KnownEventRecord[] = events
        .filter((e) => (e.sequence ?? 0) > newerThanSequence && (olderThanSequence === undefined || (e.sequence ?? 0) < olderThanSequence))
        .slice(0, Math.max(0, maxQuantity ?? 100));
      return ok(records);
    }
    case '.ams.userprofile.GetUserProfile': {
      const body = request.body;
      const userId = typeof body === 'string' ? body : body.userId;
      return ok(userId === undefined ? { userId: agent.legacyId } : profileOf(core, agent, userId));
    }
    case '.ams.cm.AgentRequestConversation': {
      const context = request.body.conversationContext;
      const conv = core.requestConversation(agent, request.body.consumerId, context ? { ...context } : undefined);
      return ok({ conversationId: conv.convId });
    }
    case '.ams.ms.GenerateURLForUploadFile': {
      const extension = request.body.fileType.toLowerCase();
      return ok(fileUrl(core, `/v1/AUTH_async-images/${agent.accountId}/${state.random.uuid()}.${extension}`));
    }
    case '.ams.ms.GenerateURLForDownloadFile':
      return ok(fileUrl(core, request.body.relativePath));
    case '.ams.ms.token.GenerateDownloadToken': {
      const token: DownloadTokenResponse = { token: { type: 'SecureFormReadToken', readOtk: state.random.hex(40) } };
      return ok(token);
    }
  }
}

/** The conversation of a dialog, if it belongs to the agent's account (else it does not exist for it). */
function conversationOf(core: EmulatorCore, agent: AgentRecord, dialogId: string, conversationId: string | undefined): ConversationRecord {
  const conv = conversationId !== undefined ? core.state.conversations.get(conversationId) : core.state.conversationOfDialog(dialogId);
  if (!conv || conv.accountId !== agent.accountId || !conv.dialogs.some((d) => d.dialogId === dialogId)) throw new RequestError(`Dialog ${dialogId} not found`);
  return conv;
}

function clientPropertiesOf(headers: Request['headers']): ClientProperties {
  const header = headers?.find((h) => h.type === '.ams.headers.ClientProperties');
  const decoded = header ? ClientProperties.decode(header) : undefined;
  return decoded && isRight(decoded) ? { ...decoded.right, type: '.ClientProperties' } : agentClientProperties;
}

function profileOf(core: EmulatorCore, caller: AgentRecord, userId: string): UserProfile {
  const consumer = core.state.consumers.get(userId);
  if (consumer) {
    return {
      firstName: consumer.firstName,
      lastName: consumer.lastName,
      avatarUrl: '',
      backgndImgUri: '',
      description: '',
      // LivePerson puts a consumer's id in privateData.userId, not at the top level.
      privateData: { mobileNum: consumer.phone, email: consumer.email, userId: consumer.consumerId },
      authenticatedData: { lp_sdes: [] },
    };
  }
  const agent: AgentRecord | undefined = core.state.agentById(userId, caller.accountId);
  if (agent) return { userId: agent.legacyId, firstName: agent.nickname, lastName: '', role: 'AGENT' };
  throw new RequestError(`User ${userId} not found`, 404);
}

function fileUrl(core: EmulatorCore, relativePath: string): FileUrlResponse {
  const { random, clock } = core.state;
  return {
    relativePath,
    queryParams: { temp_url_sig: random.hex(40), temp_url_expires: String(Math.floor(clock.now() / 1000) + 60) },
  };
}
