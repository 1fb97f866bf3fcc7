import { filter, type OperatorFunction } from 'rxjs';
import type { ContentMessage, MessagingEvent } from '../domain/index.js';
import type { ContentEvent } from '../protocol/index.js';

/** A text message: a ContentEvent whose content type is `text/plain`. */
export interface TextMessage extends ContentMessage {
  event: Extract<ContentEvent, { contentType: 'text/plain' }>;
}

/**
 * Whether an operator lets through history that was already answered before this agent joined.
 *
 * @example
 * agent.messages$.pipe(contentEvents({ includeHistory: true }));
 */
export interface HistoryOptions {
  /** Let `history: true` messages through too. Default false. */
  includeHistory?: boolean;
}

/** Whether an event is a text message (ContentEvent, `text/plain`). */
export function isTextMessage(event: MessagingEvent): event is TextMessage {
  return event.type === 'ContentEvent' && event.event.contentType === 'text/plain';
}

/**
 * Lets through the text messages others wrote: ContentEvents of type `text/plain` that this
 * agent did not send.
 *
 * What a bot answers: `m.event.message` is a string, the bot's own echoes and the receipts,
 * files, forms and structured content are filtered out.
 *
 * ## Example
 * ```ts
 * import { map } from 'rxjs';
 * import { contentEvents, dedupeMessages, sendText } from 'lp-agent-rx';
 *
 * agent.run(agent.messages$.pipe(
 *   dedupeMessages(),
 *   contentEvents(),
 *   map((m) => sendText(m.dialogId, `You said: ${m.event.message}`)),
 * ));
 * ```
 *
 * History found on joining a conversation mid-way (`history: true`: what another agent already
 * answered) is skipped unless `includeHistory` is set, so a bot never answers old lines after a
 * transfer.
 *
 * @see {@link ofEventType}
 * @see {@link markAsRead}
 *
 * @param options - `includeHistory: true` lets answered history through too.
 * @return A function that returns an Observable of others' text messages.
 */
export function contentEvents(options: HistoryOptions = {}): OperatorFunction<MessagingEvent, TextMessage> {
  const { includeHistory = false } = options;
  return filter((event): event is TextMessage => isTextMessage(event) && !event.isMe && (includeHistory || !event.history));
}
