import type * as t from 'io-ts';
import type {
  KnownEventRecord,
  ExConversationResult,
  NotificationType,
  notificationCodecs,
  SubscribeExConversationsBody,
} from '../../protocol/index.js';
import type { Clock } from './clock.js';
import { drawFault, type FaultState } from './faults.js';
import { agentState, conversationResult, routingTask } from './records.js';
import type { AgentRecord, ConversationRecord, RingRecord, TaskRecord } from './state.js';
import type { PreparedFrames } from './wireFrames.js';

/**
 * One ExConversation subscription of a socket, and the conversations it was told about (so it
 * gets a DELETE when one stops matching).
 *
 * @example
 * socket.exSubscriptions.set(id, { filter: { convState: ['OPEN'] }, sent: new Set() });
 */
export interface ExSubscription {
  filter: SubscribeExConversationsBody;
  readonly sent: Set<string>;
}

/**
 * An open agent websocket as the hub sees it: who it is and what it subscribed to.
 *
 * @example
 * hub.socketsOfAgent(agent).forEach((socket) => socket.send(text));
 */
export interface AgentSocket {
  readonly agent: AgentRecord;
  readonly bearer: string;
  routingSubscriptionId?: string;
  /** subscriptionId → legacy id of the agent watched. */
  readonly agentStateSubscriptions: Map<string, string>;
  readonly exSubscriptions: Map<string, ExSubscription>;
  /** Sends text if the socket is still open. */
  send(text: string): void;
  /** Sends many texts in one write, if the socket is still open. */
  sendMany(frames: PreparedFrames): void;
  close(code: number, reason?: string): void;
  terminate(): void;
}

/**
 * A notification body, typed by its notification type.
 *
 * @example
 * const body: NotificationBody<'.ams.routing.RoutingTaskNotification'> = { subscriptionId, changes: [] };
 */
export type NotificationBody<K extends NotificationType> = t.TypeOf<(typeof notificationCodecs)[K]>;

/**
 * Serialises a notification; the body is checked against the protocol's type for `type`.
 *
 * @example
 * socket.send(notification('.ams.routing.RoutingTaskNotification', { subscriptionId, changes: [] }));
 */
export function notification<K extends NotificationType>(type: K, body: NotificationBody<K>): string {
  return JSON.stringify({ kind: 'notification', type, body });
}

/**
 * Whether a conversation matches a SubscribeExConversations filter of an agent of `accountId`:
 * never for another account's conversation. `agentIds` (legacy ids or PIds) match ACTIVE and
 * SUGGESTED participants.
 *
 * @example
 * matchesFilter(conv, { convState: ['OPEN'], agentIds: ['12345678.4411'] }, '12345678');
 */
export function matchesFilter(conv: ConversationRecord, filter: SubscribeExConversationsBody, accountId: string): boolean {
  if (conv.accountId !== accountId) return false;
  if (filter.brandId !== undefined && filter.brandId !== accountId) return false;
  if (filter.convState && filter.convState.length > 0 && !filter.convState.includes(conv.state === 'CLOSE' ? 'CLOSE' : 'OPEN')) return false;
  if (filter.consumerId !== undefined && filter.consumerId !== conv.consumerId) return false;
  if (filter.minLastUpdatedTime !== undefined && conv.lastUpdateTime < filter.minLastUpdatedTime) return false;
  if (filter.maxLastUpdatedTime !== undefined && conv.lastUpdateTime > filter.maxLastUpdatedTime) return false;
  if (filter.agentIds && filter.agentIds.length > 0) {
    const ids = new Set<string>();
    for (const p of conv.participants) ids.add(p.id).add(p.pid);
    for (const d of conv.dialogs) for (const id of d.suggested) ids.add(id);
    if (!filter.agentIds.some((id) => ids.has(id))) return false;
  }
  return true;
}

/**
 * The open agent sockets of one emulator (of every account) and every notification sent to them.
 * Whatever it sends about a conversation or an agent goes only to sockets of that account.
 *
 * @example
 * const hub = new Hub(faults, (id, accountId) => state.agentById(id, accountId), state.clock);
 * hub.distribute(conv, record); // OnlineEventDistribution to every agent participant
 */
export class Hub {
  private readonly sockets = new Set<AgentSocket>();
  private readonly byAgent = new Map<AgentRecord, Set<AgentSocket>>();
  /** With `reorderEvents`: the frame each socket is holding back until the next one. */
  private readonly heldEvents = new Map<AgentSocket, string>();

  constructor(
    private readonly faults: FaultState,
    private readonly agentById: (id: string, accountId: string) => AgentRecord | undefined,
    private readonly clock: Clock,
  ) {}

  add(socket: AgentSocket): void {
    this.sockets.add(socket);
    const mine = this.byAgent.get(socket.agent) ?? new Set();
    this.byAgent.set(socket.agent, mine.add(socket));
  }

  remove(socket: AgentSocket): void {
    this.sockets.delete(socket);
    this.byAgent.get(socket.agent)?.delete(socket);
  }

  /** Open sockets of one agent. */
  socketsOfAgent(agent: AgentRecord): AgentSocket[] {
    return [...(this.byAgent.get(agent) ?? [])];
  }

  /** Open sockets: all, or those whose agent has this username and/or belongs to this account. */
  socketsOf(filter: { username?: string; accountId?: string } = {}): AgentSocket[] {
    const { username, accountId } = filter;
    return [...this.sockets].filter((s) => (username === undefined || s.agent.username === username) && (accountId === undefined || s.agent.accountId === accountId));
  }

  hasRoutingSubscription(agent: AgentRecord): boolean {
    return this.socketsOfAgent(agent).some((s) => s.routingSubscriptionId !== undefined);
  }

  /** Tells the ring's agent (its sockets that subscribed to routing tasks) about its ring. */
  notifyRing(conv: ConversationRecord, task: TaskRecord, ring: RingRecord): void {
    const result = routingTask(conv, task, ring, conv.accountId);
    for (const socket of this.socketsOfAgent(ring.agent)) {
      const subscriptionId = socket.routingSubscriptionId;
      if (subscriptionId === undefined) continue;
      socket.send(notification('.ams.routing.RoutingTaskNotification', { subscriptionId, changes: [{ type: 'UPSERT', result }] }));
    }
  }

  /** Tells every socket of the agent's account watching this agent's state. */
  notifyAgentState(agent: AgentRecord): void {
    for (const socket of this.sockets) {
      if (socket.agent.accountId !== agent.accountId) continue;
      for (const [subscriptionId, watched] of socket.agentStateSubscriptions) {
        if (watched === agent.legacyId) this.sendAgentState(socket, subscriptionId, agent);
      }
    }
  }

  sendAgentState(socket: AgentSocket, subscriptionId: string, agent: AgentRecord): void {
    socket.send(notification('.ams.routing.AgentStateNotification', { subscriptionId, changes: [{ type: 'UPSERT', result: agentState(agent) }] }));
  }

  /**
   * The snapshot that follows SubscribeExConversations: every matching conversation of the
   * socket's account, oldest first.
   */
  sendSnapshot(socket: AgentSocket, subscriptionId: string, conversations: Iterable<ConversationRecord>): void {
    const sub = socket.exSubscriptions.get(subscriptionId);
    if (!sub) return;
    const matching = [...conversations]
      .filter((c) => matchesFilter(c, sub.filter, socket.agent.accountId))
      .sort((a, b) => a.startTs - b.startTs)
      .slice(0, 1000);
    for (const c of matching) sub.sent.add(c.convId);
    const changes = matching.map((c) => ({ type: 'UPSERT' as const, result: this.result(c) }));
    socket.send(notification('.ams.aam.ExConversationChangeNotification', { subscriptionId, changes }));
  }

  /**
   * UPSERT to every subscription (of the conversation's account) the conversation matches, DELETE
   * to those it stopped matching.
   */
  conversationChanged(conv: ConversationRecord): void {
    let result: ExConversationResult | undefined;
    for (const socket of this.sockets) {
      if (socket.agent.accountId !== conv.accountId) continue;
      for (const [subscriptionId, sub] of socket.exSubscriptions) {
        const matches = matchesFilter(conv, sub.filter, socket.agent.accountId);
        if (!matches && !sub.sent.has(conv.convId)) continue;
        if (matches) sub.sent.add(conv.convId);
        else sub.sent.delete(conv.convId);
        socket.send(
          notification('.ams.aam.ExConversationChangeNotification', {
            subscriptionId,
            changes: [{ type: matches ? 'UPSERT' : 'DELETE', result: (result ??= this.result(conv)) }],
          }),
        );
      }
    }
  }

  /** OnlineEventDistribution to every open socket of every agent participant. */
  distribute(conv: ConversationRecord, record: KnownEventRecord): void {
    const text = notification('.ams.ms.OnlineEventDistribution', record);
    for (const p of conv.participants) {
      if (p.role === 'CONSUMER') continue;
      const agent = this.agentById(p.id, conv.accountId);
      if (!agent) continue;
      for (const socket of this.socketsOfAgent(agent)) {
        const copies = this.faults.duplicateEvents || drawFault(this.faults, ['duplicateEvent']) ? 2 : 1;
        for (let i = 0; i < copies; i++) this.sendEvent(socket, text);
      }
    }
  }

  /** Sends an event frame, or with `reorderEvents` swaps it with the next one for the same socket. */
  private sendEvent(socket: AgentSocket, text: string): void {
    const held = this.heldEvents.get(socket);
    if (held !== undefined) {
      this.heldEvents.delete(socket);
      socket.send(text);
      socket.send(held);
    } else if (this.faults.reorderEvents) {
      this.heldEvents.set(socket, text);
      // A frame with no successor before the clock's next turn goes out alone, just late.
      this.clock.schedule(() => {
        if (this.heldEvents.get(socket) !== text) return;
        this.heldEvents.delete(socket);
        socket.send(text);
      }, 0);
    } else {
      socket.send(text);
    }
  }

  private result(conv: ConversationRecord): ExConversationResult {
    return conversationResult(conv, conv.accountId, { withLastContent: !this.faults.omitLastContent });
  }
}
