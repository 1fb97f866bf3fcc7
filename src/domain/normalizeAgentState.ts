import type { AgentStateNotificationBody } from '../protocol/index.js';
import type { AgentStateChange, Identity } from './types.js';

/**
 * One `AgentStateChange` per change of an AgentStateNotification. `isMe` holds when the change
 * names this agent's legacy id, or names no agent at all (a subscription to one's own state).
 *
 * @example
 * normalizeAgentState(frame.body, identity).find((s) => s.isMe)?.availability; // 'ONLINE'
 *
 * @param body A decoded `.ams.routing.AgentStateNotification` body.
 * @param identity This agent.
 * @return The state changes, in wire order.
 */
export function normalizeAgentState(body: AgentStateNotificationBody, identity: Identity): AgentStateChange[] {
  const states: AgentStateChange[] = [];
  for (const change of body.changes) {
    const r = change.result;
    states.push({
      type: change.type,
      availability: r.availability,
      description: r.description,
      channels: r.channels,
      agentUserId: r.agentUserId,
      isMe: r.agentUserId === undefined || r.agentUserId === identity.legacyId,
    });
  }
  return states;
}
