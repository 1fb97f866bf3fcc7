import * as t from 'io-ts';
import { ChangeType, literals, openLiterals, struct } from './common.js';

/** Lifecycle of one ring. WAITING rings are the ones an agent may accept. */
export const RingState = openLiterals('RingState', 'WAITING', 'ACCEPTED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'AUTO_ACCEPT');
export type RingState = t.TypeOf<typeof RingState>;

/** The answers an agent can give to a ring. */
export const RingAnswer = literals('RingAnswer', 'ACCEPTED', 'REJECTED');
export type RingAnswer = t.TypeOf<typeof RingAnswer>;

/** Agent availability as routing sees it. */
export const Availability = openLiterals('Availability', 'ONLINE', 'OCCUPIED', 'AWAY', 'BACK_SOON', 'OFFLINE');
export type Availability = t.TypeOf<typeof Availability>;

/** One entry of `ringsDetails` on the wire (PROTOCOL.md §4.1). */
export const RingDetails = struct(
  'RingDetails',
  { ringId: t.string, ringState: RingState },
  {
    ringExpiration: t.number,
    ringExpirationTs: t.number,
    weight: t.number,
    brandId: t.string,
    convId: t.string,
    consumerId: t.string,
    skillId: t.string,
  },
);
export type RingDetails = t.TypeOf<typeof RingDetails>;

/** A routing task: one conversation offered to agents, with its rings. */
export const RoutingTask = struct(
  'RoutingTask',
  { conversationId: t.string, ringsDetails: t.array(RingDetails) },
  {
    routingTaskId: t.string,
    assignedAgentId: t.string,
    brandId: t.string,
    taskCompleted: t.boolean,
    consumerId: t.string,
    skillId: t.string,
  },
);
export type RoutingTask = t.TypeOf<typeof RoutingTask>;

/** Body of `.ams.routing.RoutingTaskNotification`. The first one after subscribing has no changes. */
export const RoutingTaskNotificationBody = struct(
  'RoutingTaskNotificationBody',
  { changes: t.array(t.type({ type: ChangeType, result: RoutingTask })) },
  { subscriptionId: t.string },
);
export type RoutingTaskNotificationBody = t.TypeOf<typeof RoutingTaskNotificationBody>;

/** One agent-state record (PROTOCOL.md §4.2). */
export const AgentStateResult = struct(
  'AgentStateResult',
  { availability: Availability },
  { agentUserId: t.string, channels: t.array(t.string), description: t.string },
);
export type AgentStateResult = t.TypeOf<typeof AgentStateResult>;

/** Body of `.ams.routing.AgentStateNotification`. */
export const AgentStateNotificationBody = struct(
  'AgentStateNotificationBody',
  { changes: t.array(t.type({ type: ChangeType, result: AgentStateResult })) },
  { subscriptionId: t.string },
);
export type AgentStateNotificationBody = t.TypeOf<typeof AgentStateNotificationBody>;

/** `.ams.routing.SetAgentState` request body. */
export const SetAgentStateBody = struct(
  'SetAgentStateBody',
  // LivePerson's schema needs only `availability`; the agent sends the full shape node-agent-sdk sends.
  { availability: Availability.closed },
  { channels: t.array(t.string), agentUserId: t.string, description: t.string },
);
export type SetAgentStateBody = t.TypeOf<typeof SetAgentStateBody>;

/** `.ams.routing.SubscribeAgentsState` request body. */
export const SubscribeAgentsStateBody = struct(
  'SubscribeAgentsStateBody',
  {},
  // LivePerson's schema sends no body; the agent sends node-agent-sdk's full shape.
  { brandId: t.string, agentId: t.string, agentAvailability: t.string },
);
export type SubscribeAgentsStateBody = t.TypeOf<typeof SubscribeAgentsStateBody>;

/** `.ams.routing.SubscribeRoutingTasks` request body. */
export const SubscribeRoutingTasksBody = struct(
  'SubscribeRoutingTasksBody',
  {},
  // LivePerson's schema sends no body; the agent sends node-agent-sdk's full shape.
  { channelType: t.string, agentId: t.string, brandId: t.string, skillId: t.string, conversationId: t.string },
);
export type SubscribeRoutingTasksBody = t.TypeOf<typeof SubscribeRoutingTasksBody>;

/** `.ams.routing.UpdateRoutingTaskSubscription` request body. */
export const UpdateRoutingTaskSubscriptionBody = struct(
  'UpdateRoutingTaskSubscriptionBody',
  { subscriptionId: t.string },
  { brandId: t.string, agentId: t.string, skillId: t.string, conversationId: t.string, channelType: t.string },
);
export type UpdateRoutingTaskSubscriptionBody = t.TypeOf<typeof UpdateRoutingTaskSubscriptionBody>;

/** `.ams.routing.UpdateRingState` request body. */
export const UpdateRingStateBody = t.type({ ringId: t.string, ringState: RingAnswer }, 'UpdateRingStateBody');
export type UpdateRingStateBody = t.TypeOf<typeof UpdateRingStateBody>;
