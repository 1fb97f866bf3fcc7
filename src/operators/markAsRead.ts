import { filter, map, pipe, type OperatorFunction } from 'rxjs';
import type { ContentMessage, MessagingEvent, RichContentMessage } from '../domain/index.js';
import { readReceipt, type PublishEventCommand } from './commands.js';
import type { HistoryOptions } from './contentEvents.js';
import { dedupeMessages, type DedupeMessagesConfig } from './dedupeMessages.js';

const isUnreadContent = (event: MessagingEvent): event is ContentMessage | RichContentMessage =>
  (event.type === 'ContentEvent' || event.type === 'RichContentEvent') && !event.isMe && event.sequence > 0;

/**
 * Options of {@link markAsRead}: memory bounds, and whether answered history is marked read too.
 *
 * @example
 * agent.messages$.pipe(markAsRead({ includeHistory: true }));
 */
export interface MarkAsReadConfig extends DedupeMessagesConfig, HistoryOptions {}

/**
 * Marks others' messages READ: one AcceptStatusEvent READ command per message, once each.
 *
 * The consumer sees "read" under each message the bot has taken in. Only content (text, files,
 * forms, structured content) from others is receipted: never the agent's own messages, never
 * receipts (which would loop), never unsequenced events. "Once each" is {@link dedupeMessages},
 * so a replay after a reconnect sends no second receipt and memory stays O(dialogs).
 *
 * ## Example
 * ```ts
 * import { markAsRead } from 'lp-agent-rx';
 *
 * agent.run(agent.messages$.pipe(markAsRead()));
 * ```
 *
 * @see {@link readReceipt}
 * @see {@link dedupeMessages}
 *
 * @param config - Memory bounds of the "once each" bookkeeping; see {@link DedupeMessagesConfig}. Answered
 *   history (`history: true`) is not marked read unless `includeHistory` is set.
 * @return A function that returns an Observable of PublishEvent READ commands, one per message.
 */
export function markAsRead(config: MarkAsReadConfig = {}): OperatorFunction<MessagingEvent, PublishEventCommand> {
  const { includeHistory = false } = config;
  return pipe(
    filter(isUnreadContent),
    filter((message) => includeHistory || !message.history),
    dedupeMessages(config),
    map((message) => readReceipt(message.dialogId, [message.sequence])),
  );
}
