import type { RoutingTaskNotificationBody } from '../protocol/index.js';
import type { Ring } from './types.js';

/**
 * One `Ring` per `ringsDetails` entry of every change of a RoutingTaskNotification. Keeps what
 * node-agent-sdk threw away (the conversation, consumer and skill of each ring, the routing task
 * id, the assigned agent), so a pipeline can act on a ring without looking anything up.
 *
 * The first notification after subscribing carries no changes and yields no rings.
 *
 * @example
 * normalizeRings(frame.body).filter((r) => r.ringState === 'WAITING').map((r) => r.ringId);
 *
 * @param body A decoded `.ams.routing.RoutingTaskNotification` body.
 * @return The rings, in wire order.
 */
export function normalizeRings(body: RoutingTaskNotificationBody): Ring[] {
  const rings: Ring[] = [];
  for (const change of body.changes) {
    const task = change.result;
    for (const ring of task.ringsDetails) {
      rings.push({
        ringId: ring.ringId,
        ringState: ring.ringState,
        changeType: change.type,
        // Ring-level ids win: a task's fields describe the task, a ring's the offer actually made.
        convId: ring.convId ?? task.conversationId,
        consumerId: ring.consumerId ?? task.consumerId,
        skillId: ring.skillId ?? task.skillId,
        routingTaskId: task.routingTaskId,
        taskCompleted: task.taskCompleted,
        assignedAgentId: task.assignedAgentId,
        ringExpiration: ring.ringExpiration,
        ringExpirationTs: ring.ringExpirationTs,
        weight: ring.weight,
      });
    }
  }
  return rings;
}
