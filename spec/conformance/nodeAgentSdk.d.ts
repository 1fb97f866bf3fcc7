/**
 * The parts of node-agent-sdk 1.2.0 (LivePerson's own agent client, untyped JavaScript) that
 * spec/conformance uses. The SDK runs in a child process (`nodeAgentSdkDriver.mjs`); these are
 * the calls the driver makes and the shapes its Transformer leaves, as they cross the JSON-lines
 * boundary (functions such as `isMe()` and `getMyRole()` do not survive it; `__isMe` and
 * `__myRole` do). Fields the scenario does not read are left out.
 */

/** `new Agent(config)`: username/password login; `csdsDomain` points every service at the emulator. */
export interface NodeAgentSdkConfig {
  accountId: string;
  username: string;
  password: string;
  csdsDomain: string;
  /** The `v` of the websocket URL; the SDK's default is 2.1. */
  apiVersion?: number;
}

/** Every request method the SDK generates from its request types, called as `sdk[method](body, callback)`. */
export interface NodeAgentSdkMethods {
  subscribeRoutingTasks(body: Record<string, never>): { subscriptionId: string };
  setAgentState(body: { availability: 'ONLINE' | 'OCCUPIED' | 'AWAY' }): string;
  subscribeExConversations(body: { convState?: string[]; agentIds?: string[] }): { subscriptionId: string };
  updateRingState(body: { ringId: string; ringState: 'ACCEPTED' | 'REJECTED' }): string;
  publishEvent(body: { dialogId: string; event: { type: 'ContentEvent'; contentType: 'text/plain'; message: string } }): { sequence: number };
  updateConversationField(body: {
    conversationId: string;
    conversationField: Array<
      | { field: 'ConversationStateField'; conversationState: 'CLOSE' }
      | { field: 'DialogChange'; type: 'UPDATE'; dialogId: string; dialog: { dialogId: string; state: 'CLOSE' } }
    >;
  }): string;
}

export type NodeAgentSdkMethod = keyof NodeAgentSdkMethods;

/** `routing.RoutingTaskNotification`: the Transformer deleted `routingTaskId`, `assignedAgentId`, `brandId` and each ring's `convId`, `consumerId`, `skillId`, `brandId`. */
export interface SdkRoutingTaskNotification {
  subscriptionId: string;
  changes: {
    type: 'UPSERT' | 'DELETE';
    result: {
      conversationId: string;
      consumerId?: string;
      skillId?: string;
      taskCompleted?: boolean;
      ringsDetails: { ringId: string; ringState: string; ringExpiration?: number; ringExpirationTs?: number; weight?: number }[];
    };
  }[];
}

/** `cqm.ExConversationChangeNotification`: participants rebuilt from `participantsPId` (PIds only, no legacy ids). */
export interface SdkExConversationChangeNotification {
  subscriptionId: string;
  changes: {
    type: 'UPSERT' | 'DELETE';
    result: {
      convId: string;
      effectiveTTR?: number;
      conversationDetails: {
        state: string;
        stage?: string;
        skillId?: string;
        participants: { id: string; role: string }[];
        dialogs: { dialogId: string; state: string; participantsDetails: { id: string; role: string; state: string }[] }[];
        /** Role whose legacy `participants` list held the SDK's legacy id. */
        __myRole?: string;
      };
      /** Passed through untouched: `originatorId` is still the legacy id for agents, `originatorPId` is kept. */
      lastContentEventNotification?: { originatorId: string; originatorPId?: string; event: { type: string; message?: unknown } };
    };
  }[];
}

/** One record of `ms.MessagingEventNotification`: `originatorId` is the PId, `originatorPId` was deleted. */
export interface SdkEventRecord {
  sequence?: number;
  dialogId: string;
  conversationId?: string;
  originatorId: string;
  serverTimestamp?: number;
  event: { type: string; contentType?: string; message?: unknown };
  __isMe: boolean;
}

/** `ms.MessagingEventNotification`: one OnlineEventDistribution wrapped as `{dialogId, changes: [record]}`. */
export interface SdkMessagingEventNotification {
  dialogId: string;
  changes: SdkEventRecord[];
}

/** A line the driver writes on stdout. */
export type DriverLine =
  | { kind: 'connected'; agentId: string; legacyId: string }
  | { kind: 'notification'; type: string; body: unknown }
  | { kind: 'response'; id: number; error?: unknown; body?: unknown }
  | { kind: 'error'; message: string; code?: unknown; payload?: unknown }
  | { kind: 'closed'; code?: number };
