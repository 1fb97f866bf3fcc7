import { filter, type Observable } from 'rxjs';
import type { ChatStateChange, MessagingEvent } from '../domain/index.js';

/** The members of the event union `E` whose `type` is `K`. */
export type EventOfType<E, K> = E extends { type: K } ? E : never;

/**
 * Lets through the events of the given types, and narrows the stream's type to them.
 *
 * redux-observable's `ofType` for messaging events: `messages$.pipe(ofEventType('ContentEvent'))`
 * is an `Observable<ContentMessage>`, so `m.event.contentType` needs no cast. Several types give
 * the union of their events. The function returned is generic in its input, so the output type
 * follows the stream it is applied to and cannot be widened by an annotation.
 *
 * ## Example
 * ```ts
 * import { map } from 'rxjs';
 * import { ofEventType } from 'lp-agent-rx';
 *
 * agent.messages$.pipe(
 *   ofEventType('ContentEvent', 'RichContentEvent'),
 *   map((m) => `${m.type} #${m.sequence} in ${m.dialogId}`),
 * ).subscribe(console.log);
 * ```
 *
 * @see {@link contentEvents}
 *
 * @param types - The event types to let through (`ContentEvent`, `RichContentEvent`,
 * `AcceptStatusEvent`, `ChatStateEvent`), at least one.
 * @return A function that returns an Observable of the events whose `type` is one of `types`.
 */
export function ofEventType<Type extends (MessagingEvent | ChatStateChange)['type']>(
  ...types: [Type, ...Type[]]
): <Input extends MessagingEvent | ChatStateChange>(events$: Observable<Input>) => Observable<EventOfType<Input, Type>> {
  const wanted = new Set<string>(types);
  return (events$) => events$.pipe(filter((event): event is EventOfType<typeof event, Type> => wanted.has(event.type)));
}
