import type { ConversationField, ParticipantsChange, UpdateConversationFieldBody } from '../../protocol/index.js';
import { RequestError, type EmulatorCore } from './core.js';
import { mainDialog, type AgentRecord, type ConversationRecord } from './state.js';

const messages = {
  ADD: 'OK Agent added successfully',
  REMOVE: 'OK Agent removed successfully',
  SUGGEST: 'OK Agent suggested successfully',
  UPDATE: 'OK Agent updated successfully',
} as const;

/**
 * `.ams.cm.UpdateConversationField`: checks every field first, then applies them in order, so a
 * refused request changes nothing. A transfer (REMOVE of the assigned agent, with a Skill UPDATE
 * or a SUGGEST) routes the conversation again: to the SUGGESTED agents if any, else to the
 * skill's agents, never back to the agent that just left. Subscribers hear one change.
 *
 * @example
 * updateConversationFields(core, agent, {
 *   conversationId,
 *   conversationField: [{ field: 'ParticipantsChange', type: 'ADD', role: 'MANAGER' }],
 * }); // 'OK Agent added successfully'
 *
 * @return The response body: the first participant change's message, else "OK".
 */
export function updateConversationFields(core: EmulatorCore, caller: AgentRecord, body: UpdateConversationFieldBody): string {
  const conv = core.state.conversationIn(caller.accountId, body.conversationId);
  if (!conv) throw new RequestError(`Conversation ${body.conversationId} not found`);
  const fields: readonly ConversationField[] = Array.isArray(body.conversationField) ? body.conversationField : [body.conversationField];
  if (fields.length === 0) throw new RequestError('conversationField is empty');
  // A conversation whose MAIN dialog closed still takes changes while its survey runs (stage OPEN).
  if (conv.stage === 'CLOSE') throw new RequestError(`Conversation ${conv.convId} is closed`);
  const selfJoin = fields.every((f) => f.field === 'ParticipantsChange' && f.type === 'ADD' && (f.userId ?? caller.legacyId) === caller.legacyId);
  if (!selfJoin && !conv.participants.some((p) => p.id === caller.legacyId)) {
    throw new RequestError('Agent does not exist in conversation');
  }
  validate(core, conv, caller, fields);

  let message: string | undefined;
  const removed = new Set<string>();
  let skillChanged = false;
  let close = false;
  for (const f of fields) {
    switch (f.field) {
      case 'ParticipantsChange': {
        const target = targetOf(core, caller, f);
        message ??= messages[f.type];
        if (f.type === 'ADD' || f.type === 'UPDATE') core.join(conv, target, f.role);
        else if (f.type === 'SUGGEST') {
          const main = mainDialog(conv);
          if (!main.suggested.includes(target.legacyId)) main.suggested.push(target.legacyId);
        }
        else {
          core.leave(conv, target.legacyId, f.role);
          if (f.role === 'ASSIGNED_AGENT') removed.add(target.legacyId);
        }
        break;
      }
      case 'Skill':
        skillChanged = conv.skillId !== f.skill;
        conv.skillId = f.skill;
        break;
      case 'ConversationStateField':
        close = true;
        break;
      case 'DialogChange': {
        const dialogId = f.dialog.dialogId;
        if (f.type === 'CREATE') {
          core.state.addDialog(conv, dialogId, f.dialog.dialogType ?? 'POST_SURVEY', f.dialog.channelType ?? 'MESSAGING');
        } else if (f.dialog.state === 'CLOSE') {
          const dialog = conv.dialogs.find((d) => d.dialogId === dialogId);
          if (dialog && (dialog.dialogType !== 'MAIN' || core.postSurvey)) core.closeDialog(conv, dialog, f.dialog.closedBy ?? 'AGENT', f.dialog.closedCause);
          else if (dialog) close = true;
        }
        break;
      }
      case 'TTRField':
        conv.ttr = { ttrType: f.ttrType, value: f.value };
        break;
      case 'DelayField':
        conv.delay = { type: f.type, tillWhen: f.tillWhen };
        break;
      case 'ManualETTR':
        conv.manualETTR = f.time;
        break;
      case 'Note':
        conv.note = f.note;
        break;
      case 'CSATRate':
        conv.csatRate = f.csatRate;
        break;
      case 'TopicField':
        break;
    }
  }

  if (close) {
    if (conv.stage !== 'CLOSE') core.closeConversation(conv, 'AGENT', 'AGENT');
  } else if (conv.stage !== 'CLOSE') {
    const unassigned = !conv.participants.some((p) => p.role === 'ASSIGNED_AGENT');
    if (conv.state === 'OPEN' && unassigned && (removed.size > 0 || skillChanged)) {
      const suggested = mainDialog(conv).suggested;
      core.router.route(conv, { ...(suggested.length > 0 ? { only: new Set(suggested) } : {}), excluded: removed, transfer: true });
    }
    core.changed(conv);
  }
  return message ?? 'OK';
}

function targetOf(core: EmulatorCore, caller: AgentRecord, change: ParticipantsChange): AgentRecord {
  if (change.userId === undefined) return caller;
  const target = core.state.agentById(change.userId, caller.accountId);
  if (!target) throw new RequestError(`Agent ${change.userId} not found`);
  return target;
}

/** Runs the participant changes on a copy, and checks dialogs exist, so nothing is half-applied. */
function validate(core: EmulatorCore, conv: ConversationRecord, caller: AgentRecord, fields: readonly ConversationField[]): void {
  const roles = new Map(conv.participants.map((p) => [p.id, p.role]));
  const suggested = new Set(mainDialog(conv).suggested);
  const dialogIds = new Set(conv.dialogs.map((d) => d.dialogId));
  for (const f of fields) {
    if (f.field === 'DialogChange') {
      const exists = dialogIds.has(f.dialog.dialogId);
      if (f.type === 'CREATE' && exists) throw new RequestError(`Dialog ${f.dialog.dialogId} already exists`);
      if (f.type === 'UPDATE' && !exists) throw new RequestError(`Dialog ${f.dialog.dialogId} not found in conversation ${conv.convId}`);
      dialogIds.add(f.dialog.dialogId);
      continue;
    }
    if (f.field !== 'ParticipantsChange') continue;
    if (f.role === 'CONSUMER') throw new RequestError('The consumer cannot be changed');
    const id = targetOf(core, caller, f).legacyId;
    const current = roles.get(id);
    switch (f.type) {
      case 'ADD':
      case 'UPDATE':
        if (f.type === 'UPDATE' && current === undefined) throw new RequestError('Agent does not exist in conversation');
        if (f.role === 'ASSIGNED_AGENT' && [...roles].some(([other, role]) => role === 'ASSIGNED_AGENT' && other !== id)) {
          throw new RequestError(`Conversation ${conv.convId} already has an assigned agent`);
        }
        roles.set(id, f.role);
        suggested.delete(id);
        break;
      case 'SUGGEST':
        suggested.add(id);
        break;
      case 'REMOVE':
        if (current === f.role) roles.delete(id);
        else if (f.role === 'ASSIGNED_AGENT' && suggested.has(id)) suggested.delete(id);
        else throw new RequestError(`Agent does not exist in conversation as ${f.role}`);
        break;
    }
  }
}
