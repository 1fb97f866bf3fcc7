import { DecodeWarning, redact, type DecodeError, type NormalizeWarning } from '../domain/errors.js';
import { normalizeAgentState, normalizeConversationChanges, normalizeEventRecord, normalizeRings } from '../domain/index.js';
import type { AgentStateChange, ChatStateChange, ConversationChange, Identity, MessagingEvent, Ring } from '../domain/types.js';
import type { Notification } from '../protocol/index.js';

/**
 * Where {@link routeNotification} puts what a notification holds, one call per item.
 *
 * @example
 * const sink: InboundSink = { ring: (r) => rings.next(r), conversation, event, chatState, agentState, warning };
 */
export interface InboundSink {
  ring(ring: Ring): void;
  conversation(change: ConversationChange): void;
  /** A live, sequenced messaging event (dedupe and catch-up decide whether it reaches `messages$`). */
  event(event: MessagingEvent): void;
  chatState(change: ChatStateChange): void;
  agentState(change: AgentStateChange): void;
  /** A degraded delivery (`NormalizeWarning`), a change that failed to decode (`DecodeError`), an unknown enum value (`DecodeWarning`). */
  warning(warning: NormalizeWarning | DecodeError | DecodeWarning): void;
}

/** Distinct unknown values remembered per agent, so each is reported once. */
const MAX_UNKNOWN_VALUES = 1_000;

/**
 * Reports each distinct unknown enum value once: a new content type seen a million times is one
 * warning. Bounded memory.
 *
 * @example
 * const warnOnce = unknownValueReporter((w) => errors.next(w));
 */
export function unknownValueReporter(report: (warning: DecodeWarning) => void): (enumName: string, value: string, frameType: string) => void {
  const seen = new Set<string>();
  return (enumName, value, frameType) => {
    const key = `${enumName}\u0000${value}`;
    if (seen.has(key) || seen.size >= MAX_UNKNOWN_VALUES) return;
    seen.add(key);
    report(new DecodeWarning(enumName, redact(value.slice(0, 64)), frameType));
  };
}

/**
 * The inbound path, shared by `createAgent` and `createTestAgent`: a decoded notification, normalized
 * into typed items for the sink. Pure: it keeps no state and sends nothing.
 *
 * @example
 * routeNotification(notification, agent.identity, sink);
 *
 * @param notification A decoded notification (unknown types route nowhere).
 * @param identity Who the agent is (isMe, myRole).
 * @param sink Receives each item.
 * @param warnOnce Reports unknown enum values (see {@link unknownValueReporter}).
 */
export function routeNotification(
  notification: Notification,
  identity: Identity,
  sink: InboundSink,
  warnOnce?: (enumName: string, value: string, frameType: string) => void,
): void {
  if (!notification.known) return;
  if (notification.problems) for (const p of notification.problems) sink.warning(p);
  if (notification.unknownValues && warnOnce) for (const u of notification.unknownValues) warnOnce(u.enumName, u.value, notification.type);
  switch (notification.type) {
    case '.ams.routing.RoutingTaskNotification':
      for (const ring of normalizeRings(notification.body)) sink.ring(ring);
      return;
    case '.ams.aam.ExConversationChangeNotification': {
      const { changes, warnings } = normalizeConversationChanges(notification.body, identity);
      for (const w of warnings) sink.warning(w);
      for (const c of changes) sink.conversation(c);
      return;
    }
    case '.ams.ms.OnlineEventDistribution': {
      const event = normalizeEventRecord(notification.body, identity, 'live');
      if (event.type === 'ChatStateEvent') sink.chatState(event);
      else sink.event(event);
      return;
    }
    case '.ams.routing.AgentStateNotification':
      for (const s of normalizeAgentState(notification.body, identity)) sink.agentState(s);
      return;
    default:
      return;
  }
}
