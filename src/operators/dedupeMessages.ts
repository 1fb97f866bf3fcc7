import { defer, filter, finalize, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { SequenceTracker, type ChatStateChange, type ConversationChange, type MessagingEvent, type SequenceTrackerConfig } from '../domain/index.js';
import { isConversationEnd } from './dedupeConversations.js';

/**
 * Memory bounds of {@link dedupeMessages}: `maxGaps` (default 32) out-of-order gaps per dialog,
 * `maxDialogs` (default 10 000) dialogs, least recently active forgotten first.
 */
export interface DedupeMessagesConfig extends SequenceTrackerConfig {
  /**
   * Conversation changes (normally `agent.conversations$`): when a conversation ends (DELETE or
   * CLOSE) its dialogs are forgotten, so memory follows the open conversations. Without it, memory
   * is bounded by `maxDialogs` only.
   */
  conversations$?: Observable<ConversationChange>;
}

const isSequenced = (event: MessagingEvent | ChatStateChange): boolean =>
  event.type !== 'ChatStateEvent' && Number.isInteger(event.sequence) && event.sequence > 0;

/**
 * Drops messaging events already delivered: the same (dialogId, sequence) a second time.
 *
 * A message can arrive more than once: live and again in a QueryMessages replay after a
 * reconnect, or twice across overlapping queries. Memory stays O(dialogs): per dialog, a
 * watermark (nothing missing below it) and the few runs of sequences seen above it out of order,
 * merged away as the gaps fill. Chat states and unsequenced events (sequence 0) pass untouched.
 *
 * ## Example
 * ```ts
 * import { dedupeMessages, ofEventType } from 'lp-agent-rx';
 *
 * agent.messages$.pipe(dedupeMessages(), ofEventType('ContentEvent')).subscribe((m) => console.log(m.sequence));
 * ```
 *
 * @see {@link markAsRead}
 * @see {@link dedupeConversations}
 *
 * @param config - Memory bounds and the conversations whose end releases their dialogs; see {@link DedupeMessagesConfig}.
 * @return A function that returns an Observable of the first occurrence of each (dialogId,
 * sequence), and of every unsequenced event.
 */
export function dedupeMessages<T extends MessagingEvent | ChatStateChange>(config: DedupeMessagesConfig = {}): MonoTypeOperatorFunction<T> {
  return (events$) =>
    defer(() => {
      const seen = new SequenceTracker(config);
      const ends = config.conversations$?.pipe(filter(isConversationEnd)).subscribe((change) => {
        seen.forget(change.convId);
        for (const dialog of change.conversation.dialogs) seen.forget(dialog.dialogId);
      });
      return events$.pipe(
        filter((event) => !isSequenced(event) || seen.add(event.dialogId, event.sequence)),
        finalize(() => ends?.unsubscribe()),
      );
    });
}
