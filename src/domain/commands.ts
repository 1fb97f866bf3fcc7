import type { Availability, RequestBody, RequestType, TypedObject } from '../protocol/index.js';

/**
 * Bodies a command may carry: the wire body, except that fields the agent knows itself (its own
 * legacy id, the brand id, the channel) may be left out and are filled in when it is sent.
 */
export interface CommandBodyOverrides {
  '.ams.routing.SetAgentState': { availability: Availability; description?: string; channels?: string[]; agentUserId?: string };
  '.ams.routing.SubscribeAgentsState': { brandId?: string; agentId?: string; agentAvailability?: string };
  '.ams.routing.SubscribeRoutingTasks': { channelType?: string; agentId?: string; brandId?: string; skillId?: string; conversationId?: string };
  '.ams.cm.AgentRequestConversation': RequestBody<'.ams.cm.AgentRequestConversation'> | { channelType?: string; consumerId: string };
}

/** The body of a command of type `K`. */
export type CommandBody<K extends RequestType> = K extends keyof CommandBodyOverrides ? CommandBodyOverrides[K] : RequestBody<K>;

/**
 * A request to send, as a value: what pipelines emit and `agent.run` executes. Operators build
 * commands without touching the socket, which is what makes them testable with marbles.
 *
 * @example
 * const accept: Command = { type: '.ams.routing.UpdateRingState', body: { ringId, ringState: 'ACCEPTED' } };
 * agent.run(of(accept));
 */
export type Command = {
  [K in RequestType]: {
    type: K;
    body: CommandBody<K>;
    /** Typed metadata objects sent in the request envelope (e.g. `ExternalId`, `BotResponse`). */
    metadata?: TypedObject[];
  };
}[RequestType];

/** A command of one type. */
export type CommandOf<K extends RequestType> = Extract<Command, { type: K }>;
