import { idsOf, type Role } from '../protocol/index.js';
import type { ConversationDetails, Dialog, ExConversationChangeNotificationBody, ExConversationResult, ParticipantsByRole } from '../protocol/index.js';
import { NormalizeWarning } from './errors.js';
import { normalizeEventRecord } from './normalizeEventRecord.js';
import type { Conversation, ConversationChange, DialogInfo, Identity, MessagingEvent, Participant } from './types.js';

const FRAME_TYPE = '.ams.aam.ExConversationChangeNotification';

/**
 * What {@link normalizeConversationChanges} returns: every change (none is ever dropped) and one
 * warning per change whose participant ids had to fall back to legacy ids.
 *
 * @example
 * const { changes, warnings }: NormalizedConversationChanges = normalizeConversationChanges(body, identity);
 */
export interface NormalizedConversationChanges {
  changes: ConversationChange[];
  warnings: NormalizeWarning[];
}

/**
 * Turns an ExConversationChangeNotification body into `ConversationChange`s, rebuilding
 * participants the way node-agent-sdk's Transformer did (PROTOCOL.md §5), but without mutating
 * the input and without losing anything:
 *
 * - conversation participants pair `participantsPId` and `participants` by role and index, so each
 *   carries its PId as `id` and its wire id as `legacyId`;
 * - dialog participants get the PId paired with their legacy id; SUGGESTED transfer targets (never
 *   in `participantsPId`) keep their legacy id, COBROWSE dialogs keep their ids as sent;
 * - `myRole` is the role this agent holds (ASSIGNED_AGENT wins if it holds several);
 * - a missing or partial `participantsPId` falls back to legacy ids and yields one
 *   `NormalizeWarning` naming the conversation, where node-agent-sdk threw and dropped the frame.
 *
 * Nested objects the wire already shapes well (`context`, `ttr`, the events) are shared, not copied.
 *
 * @example
 * const { changes, warnings } = normalizeConversationChanges(frame.body, identity);
 * changes.filter((c) => c.type === 'UPSERT' && c.myRole === 'ASSIGNED_AGENT').map((c) => c.convId);
 * warnings.forEach((w) => log.warn(w.message));
 *
 * @param body A decoded `.ams.aam.ExConversationChangeNotification` body.
 * @param identity This agent, for `myRole` and the `isMe` of the last content event.
 * @return The changes in wire order, and the warnings.
 */
export function normalizeConversationChanges(body: ExConversationChangeNotificationBody, identity: Identity): NormalizedConversationChanges {
  const changes: ConversationChange[] = [];
  const warnings: NormalizeWarning[] = [];
  for (const change of body.changes) {
    const result = change.result;
    const gaps = new IdGaps();
    const participants: Participant[] = [];
    const myRole = collectParticipants(result.conversationDetails, identity, gaps, participants);
    const conversation = toConversation(result, participants, identity, gaps);
    changes.push({ type: change.type, convId: result.convId, conversation, myRole });
    const warning = gaps.warning(result.convId);
    if (warning) warnings.push(warning);
  }
  return { changes, warnings };
}

/** What one change lacked, collected while normalizing it so it yields one warning, not one per gap. */
class IdGaps {
  pidsMissing = false;
  private notes: string[] | undefined;

  note(text: string): void {
    if (!this.notes) this.notes = [text];
    else if (!this.notes.includes(text)) this.notes.push(text);
  }

  warning(convId: string): NormalizeWarning | undefined {
    if (!this.pidsMissing && !this.notes) return undefined;
    const parts = this.pidsMissing ? ['participantsPId is missing (legacy ids used)'] : [];
    if (this.notes) parts.push(...this.notes);
    return new NormalizeWarning(`conversation ${convId}: ${parts.join('; ')}`, FRAME_TYPE, convId);
  }
}

/** Fills `out` with the conversation-level participants and returns this agent's role. */
function collectParticipants(details: ConversationDetails, identity: Identity, gaps: IdGaps, out: Participant[]): Role | undefined {
  const legacy = details.participants;
  const pids = details.participantsPId;
  if (!pids) gaps.pidsMissing = true;
  // node-agent-sdk listed participants in `participantsPId` role order; roles only the legacy map
  // has (a partial participantsPId) follow, so nobody is left out.
  const roles = pids ? Object.keys(pids) : [];
  for (const key of Object.keys(legacy)) if (!pids || !Object.prototype.hasOwnProperty.call(pids, key)) roles.push(key);

  let myRole: Role | undefined;
  for (const role of roles) {
    // Roles this version does not know are read like the others (the decoder warned about them once).
    const legacyIds = idsOf(legacy, role);
    const pidIds = idsOf(pids, role);
    const n = Math.max(legacyIds?.length ?? 0, pidIds?.length ?? 0);
    for (let i = 0; i < n; i++) {
      const legacyId = legacyIds?.[i];
      const pid = pidIds?.[i];
      if (pid === undefined && pids) gaps.note(`no PId for ${role} (legacy id used)`);
      if (legacyId === undefined) gaps.note(`no legacy id for ${role} (PId used)`);
      const id = pid ?? legacyId;
      if (id === undefined) continue;
      out.push({ id, legacyId: legacyId ?? id, role, state: 'ACTIVE' });
      const isMe = (legacyId !== undefined && legacyId === identity.legacyId) || (identity.userPid !== undefined && pid === identity.userPid);
      if (isMe && (myRole === undefined || role === 'ASSIGNED_AGENT')) myRole = role;
    }
  }
  return myRole;
}

function toDialog(dialog: Dialog, legacy: ParticipantsByRole, pids: ParticipantsByRole | undefined, gaps: IdGaps): DialogInfo {
  const participants: Participant[] = [];
  const cobrowse = dialog.channelType === 'COBROWSE';
  for (const p of dialog.participantsDetails ?? []) {
    const state = p.state ?? 'ACTIVE';
    let id = p.id;
    if (!cobrowse && state === 'ACTIVE') {
      // Pair by legacy id rather than by position alone: a dialog may list a role's participants
      // in another order than the conversation, and a wrong PId is worse than a legacy one.
      const legacyIds = idsOf(legacy, p.role);
      const k = legacyIds ? legacyIds.indexOf(p.id) : -1;
      const pid = k < 0 ? undefined : idsOf(pids, p.role)?.[k];
      if (pid !== undefined) id = pid;
      else if (pids) gaps.note(`no PId for ${p.role} (legacy id used)`);
    }
    participants.push({ id, legacyId: p.id, role: p.role, state });
  }
  return {
    dialogId: dialog.dialogId,
    dialogType: dialog.dialogType,
    channelType: dialog.channelType,
    state: dialog.state,
    creationTs: dialog.creationTs,
    endTs: dialog.endTs,
    metaDataLastUpdateTs: dialog.metaDataLastUpdateTs,
    closedBy: dialog.closedBy,
    closedCause: dialog.closedCause,
    metaData: dialog.metaData,
    participants,
  };
}

function toConversation(result: ExConversationResult, participants: Participant[], identity: Identity, gaps: IdGaps): Conversation {
  const d = result.conversationDetails;
  const dialogs: DialogInfo[] = [];
  for (const dialog of d.dialogs ?? []) dialogs.push(toDialog(dialog, d.participants, d.participantsPId, gaps));
  return {
    convId: result.convId,
    state: d.state,
    stage: d.stage,
    skillId: d.skillId,
    brandId: d.brandId,
    closeReason: d.closeReason,
    startTs: d.startTs,
    endTs: d.endTs,
    metaDataLastUpdateTs: d.metaDataLastUpdateTs,
    firstConversation: d.firstConversation,
    ttr: d.ttr,
    effectiveTTR: result.effectiveTTR,
    note: d.note,
    groupId: d.groupId,
    csatRate: d.csatRate,
    csat: d.csat,
    delay: d.delay,
    manualETTR: d.manualETTR,
    context: d.context,
    conversationHandlerDetails: d.conversationHandlerDetails,
    participants,
    dialogs,
    unreadMessages: result.numberOfunreadMessages,
    lastUpdateTime: result.lastUpdateTime,
    lastContentEvent: lastContentOf(result, identity),
  };
}

function lastContentOf(result: ExConversationResult, identity: Identity): MessagingEvent | undefined {
  const record = result.lastContentEventNotification;
  if (!record) return undefined;
  const event = normalizeEventRecord(record, identity, 'lastContent', () => result.convId);
  // A chat state is never a conversation's last *content*; the field is typed to say so.
  return event.type === 'ChatStateEvent' ? undefined : event;
}
