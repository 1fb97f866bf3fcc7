import type {
  AgentStateResult,
  ConversationDetails,
  Dialog,
  ExConversationResult,
  ParticipantDetails,
  ParticipantsByRole,
  RingDetails,
  RoutingTask,
} from '../../protocol/index.js';
import { mainDialog, type AgentRecord, type ConversationRecord, type DialogRecord, type RingRecord, type TaskRecord } from './state.js';
import { isKnownEvent } from '../../protocol/index.js';

// Wire shapes are built as the protocol's own types, so the compiler checks that the emulator
// speaks the protocol the client decodes.

/**
 * A conversation as `.ams.aam.ExConversationChangeNotification` carries it (PROTOCOL.md §4.4):
 * legacy ids in `participants`, PIds in `participantsPId`, SUGGESTED agents only in dialogs.
 *
 * @example
 * const result = conversationResult(conv, accountId, { withLastContent: true });
 * result.conversationDetails.participantsPId?.ASSIGNED_AGENT; // ['b6f7...']
 */
export function conversationResult(
  conv: ConversationRecord,
  accountId: string,
  options: { withLastContent: boolean },
): ExConversationResult {
  const result: ExConversationResult = {
    convId: conv.convId,
    // Every LivePerson sample shows -1 here.
    effectiveTTR: -1,
    lastUpdateTime: conv.lastUpdateTime,
    numberOfunreadMessages: unreadCounts(conv),
    conversationDetails: conversationDetails(conv, accountId),
  };
  if (options.withLastContent && conv.lastContentEvent) result.lastContentEventNotification = conv.lastContentEvent;
  return result;
}

/**
 * `conversationDetails` of a conversation.
 *
 * @example
 * conversationDetails(conv, '12345678').state; // 'OPEN'
 */
export function conversationDetails(conv: ConversationRecord, accountId: string): ConversationDetails {
  const participants: ParticipantsByRole = {};
  const participantsPId: ParticipantsByRole = {};
  for (const p of conv.participants) {
    (participants[p.role] ??= []).push(p.id);
    // As in LivePerson's frames, a CONTROLLER (a bot) is listed without a PId: participantsPId is partial.
    if (p.role !== 'CONTROLLER') (participantsPId[p.role] ??= []).push(p.pid);
  }
  const details: ConversationDetails = {
    convId: conv.convId,
    skillId: conv.skillId,
    brandId: accountId,
    state: conv.state,
    stage: conv.stage,
    startTs: conv.startTs,
    metaDataLastUpdateTs: conv.metaDataLastUpdateTs,
    firstConversation: false,
    csatRate: conv.csatRate ?? 0,
    ttr: { ...conv.ttr },
    note: conv.note ?? '',
    groupId: '-1',
    context: structuredClone(conv.context),
    conversationHandlerDetails: { accountId, skillId: conv.skillId },
    participants,
    participantsPId,
    dialogs: conv.dialogs.map((d) => dialog(conv, d)),
  };
  if (conv.closeReason) details.closeReason = conv.closeReason;
  if (conv.endTs !== undefined) details.endTs = conv.endTs;
  if (conv.delay) details.delay = { ...conv.delay };
  if (conv.manualETTR !== undefined) details.manualETTR = conv.manualETTR;
  return details;
}

function dialog(conv: ConversationRecord, d: DialogRecord): Dialog {
  // A survey dialog lists only the consumer (and READERs), as LivePerson's frames do.
  const survey = d.dialogType === 'POST_SURVEY';
  const listed = survey ? conv.participants.filter((p) => p.role === 'CONSUMER' || p.role === 'READER') : conv.participants;
  const participantsDetails: ParticipantDetails[] = listed.map((p) => ({ id: p.id, role: p.role, state: 'ACTIVE' }));
  for (const id of d.suggested) participantsDetails.push({ id, role: 'ASSIGNED_AGENT', state: 'SUGGESTED' });
  const out: Dialog = {
    dialogId: d.dialogId,
    dialogType: d.dialogType,
    channelType: d.channelType,
    state: d.state,
    creationTs: d.creationTs,
    metaDataLastUpdateTs: d.metaDataLastUpdateTs,
    participantsDetails,
  };
  if (d.endTs !== undefined) out.endTs = d.endTs;
  if (d.metaData) out.metaData = { ...d.metaData };
  if (d.closedBy) out.closedBy = d.closedBy;
  if (d.closedCause !== undefined) out.closedCause = d.closedCause;
  return out;
}

/**
 * Per participant (legacy or consumer id), the MAIN dialog's content events from others that it
 * has not acknowledged with a READ receipt.
 *
 * @example
 * unreadCounts(conv); // { '12345678.4411': 2, 'c0ffee...': 0 }
 */
export function unreadCounts(conv: ConversationRecord): Record<string, number> {
  const events = mainDialog(conv).events;
  const counts: Record<string, number> = {};
  for (const p of conv.participants) {
    const read = new Set<number>();
    for (const e of events) {
      const event = e.event;
      if (e.originatorId === p.id && isKnownEvent(event) && event.type === 'AcceptStatusEvent' && event.status === 'READ') {
        for (const s of event.sequenceList) read.add(s);
      }
    }
    counts[p.id] = events.filter(
      (e) => e.originatorId !== p.id && e.event.type !== 'AcceptStatusEvent' && e.sequence !== undefined && !read.has(e.sequence),
    ).length;
  }
  return counts;
}

/**
 * A routing task as one agent sees it: only its own ring in `ringsDetails` (PROTOCOL.md §4.1).
 *
 * @example
 * const body: RoutingTaskNotificationBody = { subscriptionId, changes: [{ type: 'UPSERT', result: routingTask(conv, task, ring, accountId) }] };
 */
export function routingTask(conv: ConversationRecord, task: TaskRecord, ring: RingRecord, accountId: string): RoutingTask {
  const details: RingDetails = {
    ringId: ring.ringId,
    ringExpiration: ring.ringExpiration,
    ringExpirationTs: ring.ringExpirationTs,
    ringState: ring.state,
    weight: ring.weight,
    brandId: accountId,
    convId: conv.convId,
    consumerId: conv.consumerId,
    skillId: task.skillId,
  };
  const result: RoutingTask = {
    routingTaskId: task.routingTaskId,
    brandId: accountId,
    taskCompleted: task.completed,
    conversationId: conv.convId,
    consumerId: conv.consumerId,
    skillId: task.skillId,
    ringsDetails: [details],
  };
  if (task.assignedAgentId !== undefined) result.assignedAgentId = task.assignedAgentId;
  return result;
}

/**
 * An agent's availability as AgentStateNotification carries it.
 *
 * @example
 * agentState(agent); // { agentUserId: '12345678.4411', channels: ['MESSAGING'], availability: 'ONLINE', description: '' }
 */
export function agentState(agent: AgentRecord): AgentStateResult {
  return {
    agentUserId: agent.legacyId,
    channels: ['MESSAGING'],
    availability: agent.availability ?? 'OFFLINE',
    description: agent.description ?? '',
  };
}
