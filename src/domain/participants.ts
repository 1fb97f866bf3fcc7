import type { ParticipantState, Role } from '../protocol/index.js';
import type { Conversation, DialogInfo, Identity, Participant } from './types.js';

/**
 * Who to look for: an id (PId or legacy id, either matches), or an identity, which matches by its
 * legacy id or its PId. Pass the identity to find this agent as a SUGGESTED transfer target, which
 * the server lists by legacy id only.
 *
 * @example
 * isActiveAssignee(conversation, agent.identity);
 * isActiveAssignee(conversation, '89476943.282467514');
 */
export type ParticipantRef = string | Pick<Identity, 'legacyId' | 'userPid'>;

/**
 * The conversation's MAIN dialog: the one typed MAIN, or else the one whose id is the
 * conversation's id. `undefined` for conversations sent without dialogs.
 *
 * @example
 * mainDialog(conversation)?.state; // 'OPEN'
 */
export function mainDialog(conversation: Conversation): DialogInfo | undefined {
  let sameId: DialogInfo | undefined;
  for (const dialog of conversation.dialogs) {
    if (dialog.dialogType === 'MAIN') return dialog;
    if (sameId === undefined && dialog.dialogId === conversation.convId) sameId = dialog;
  }
  return sameId;
}

/**
 * The participants holding a role, optionally only those in a state. Read from the MAIN dialog
 * when it lists its participants (only dialogs show SUGGESTED transfer targets), otherwise from the
 * conversation-level list, whose participants are all ACTIVE.
 *
 * @example
 * participantsOf(conversation, 'CONSUMER')[0]?.id;
 * participantsOf(conversation, 'ASSIGNED_AGENT', 'SUGGESTED'); // pending transfer targets
 */
export function participantsOf(conversation: Conversation, role: Role, state?: ParticipantState): Participant[] {
  const found: Participant[] = [];
  for (const p of rosterOf(conversation)) if (p.role === role && (state === undefined || p.state === state)) found.push(p);
  return found;
}

/**
 * Whether someone is the conversation's assigned agent and has accepted it: ASSIGNED_AGENT in
 * state ACTIVE (see {@link participantsOf} for where it looks). A SUGGESTED agent is not, which is
 * the false positive LivePerson warns about when only the role is checked.
 *
 * @example
 * agent.conversations$.pipe(filter((c) => isActiveAssignee(c.conversation, agent.identity)));
 */
export function isActiveAssignee(conversation: Conversation, who: ParticipantRef): boolean {
  return holds(conversation, who, 'ACTIVE');
}

/**
 * Whether someone is a transfer target that has not accepted yet: ASSIGNED_AGENT in state
 * SUGGESTED in the MAIN dialog (only sent on v=2.1 sockets).
 *
 * @example
 * if (isSuggestedAssignee(change.conversation, agent.identity)) log.info('transfer pending', change.convId);
 */
export function isSuggestedAssignee(conversation: Conversation, who: ParticipantRef): boolean {
  return holds(conversation, who, 'SUGGESTED');
}

function holds(conversation: Conversation, who: ParticipantRef, state: ParticipantState): boolean {
  for (const p of rosterOf(conversation)) if (p.role === 'ASSIGNED_AGENT' && p.state === state && matches(p, who)) return true;
  return false;
}

function rosterOf(conversation: Conversation): readonly Participant[] {
  const main = mainDialog(conversation);
  return main && main.participants.length > 0 ? main.participants : conversation.participants;
}

function matches(p: Participant, who: ParticipantRef): boolean {
  if (typeof who === 'string') return p.id === who || p.legacyId === who;
  return p.legacyId === who.legacyId || (who.userPid !== undefined && p.id === who.userPid);
}
