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

/** Dialogs remembered by {@link DialogDirectory}; the least recently seen go first. */
const MAX_DIALOGS = 10_000;

/**
 * Which conversation each dialog belongs to, learnt from conversation changes: event records carry
 * no `conversationId`, and a survey dialog's id is not its conversation's. Bounded; kept past a
 * conversation's close, since its survey dialog's events arrive after it.
 *
 * @example
 * const dialogs = new DialogDirectory();
 * dialogs.learn(change);
 * dialogs.conversationOf(surveyDialogId); // change.convId
 */
export class DialogDirectory {
  private readonly byDialog = new Map<string, string>();

  /** Remembers the dialogs of a conversation. */
  learn(change: ConversationChange): void {
    for (const d of change.conversation.dialogs) {
      if (d.dialogId === change.convId) continue; // a MAIN dialog's id is its conversation's: nothing to remember
      this.byDialog.delete(d.dialogId);
      this.byDialog.set(d.dialogId, change.convId);
      if (this.byDialog.size > MAX_DIALOGS) {
        const [oldest] = this.byDialog.keys();
        if (oldest !== undefined) this.byDialog.delete(oldest);
      }
    }
  }

  /** The conversation of a dialog, when known. */
  readonly conversationOf = (dialogId: string): string | undefined => (this.byDialog.size === 0 ? undefined : this.byDialog.get(dialogId));
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
 * @param dialogs Learns and tells which conversation each dialog belongs to.
 */
export function routeNotification(
  notification: Notification,
  identity: Identity,
  sink: InboundSink,
  warnOnce?: (enumName: string, value: string, frameType: string) => void,
  dialogs?: DialogDirectory,
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
      for (const c of changes) {
        dialogs?.learn(c);
        sink.conversation(c);
      }
      return;
    }
    case '.ams.ms.OnlineEventDistribution': {
      const event = normalizeEventRecord(notification.body, identity, 'live', dialogs?.conversationOf);
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
