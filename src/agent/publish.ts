import { defer, type Observable, of, retry, switchMap, throwError } from 'rxjs';
import { ConnectionClosed, RequestTimeout } from '../domain/errors.js';
import type { Command, CommandOf } from '../domain/commands.js';
import type { MessagingEvent } from '../domain/types.js';
import type { Response, TypedObject } from '../protocol/index.js';

/**
 * The idempotency key of a publish: its `ExternalId` metadata.
 *
 * @example
 * idempotencyKeyOf(sendText(dialogId, 'hi', { idempotencyKey: 'reply:d1:4' })); // 'reply:d1:4'
 */
export function idempotencyKeyOf(source: { metadata?: readonly TypedObject[] }): string | undefined {
  const tag = source.metadata?.find((m) => m.type === 'ExternalId');
  const id = tag?.['id'];
  return typeof id === 'string' ? id : undefined;
}

/**
 * Gives a publish an idempotency key unless it has one.
 *
 * @example
 * withIdempotencyKey(sendText(dialogId, 'hi'), () => crypto.randomUUID());
 */
export function withIdempotencyKey(command: CommandOf<'.ams.ms.PublishEvent'>, makeKey: () => string): CommandOf<'.ams.ms.PublishEvent'> {
  if (idempotencyKeyOf(command) !== undefined) return command;
  return { ...command, metadata: [...(command.metadata ?? []), { type: 'ExternalId', id: makeKey() }] };
}

/**
 * What {@link publishOnce} needs from the agent.
 *
 * @example
 * const deps: PublishDeps = { send: (c) => agent.execute(c), history: (d, after) => agent.queryMessages({ dialogId: d, newerThanSequence: after }), attempts: 5 };
 */
export interface PublishDeps {
  /** Sends a command the usual way (waits for the connection, times out). */
  send(command: Command): Observable<Response>;
  /** This agent's events of the dialog newer than `after` (a history query, also delivered on `messages$`). */
  history(dialogId: string, after: number): Observable<readonly MessagingEvent[]>;
  /** Tries in all, the first send included. */
  readonly attempts: number;
}

/** A close or a timeout: the server may or may not have published the event. */
const outcomeUnknown = (e: unknown): boolean => e instanceof ConnectionClosed || e instanceof RequestTimeout;

/**
 * Publishes an event at most once across drops: when a publish's outcome is unknown (the socket
 * closed or the response never came), the agent looks for the event's key among its own events in
 * the dialog's history before sending it again, and answers with the sequence found there.
 *
 * @example
 * publishOnce(withIdempotencyKey(command, newKey), highestDelivered, deps).subscribe((resp) => resp.body);
 *
 * @param command A publish carrying its key (`ExternalId` metadata).
 * @param after The dialog's highest sequence delivered before the first send: the event is newer.
 * @param deps How to send and query.
 * @return The response of the publish, or one built from the event found in history.
 */
export function publishOnce(command: CommandOf<'.ams.ms.PublishEvent'>, after: number, deps: PublishDeps): Observable<Response> {
  const key = idempotencyKeyOf(command);
  const { dialogId } = command.body;
  let tries = 0;
  const send$ = deps.send(command);
  const lookup$ = defer(() => deps.history(dialogId, after)).pipe(
    switchMap((events) => {
      const found = events.find((e) => e.isMe && idempotencyKeyOf(e) === key);
      return found ? of<Response>({ kind: 'resp', reqId: `history:${key ?? ''}`, code: 200, type: '.ams.ms.PublishEvent$Response', body: { sequence: found.sequence } }) : send$;
    }),
  );
  return defer(() => (tries++ === 0 || key === undefined ? send$ : lookup$)).pipe(
    retry({ count: Math.max(0, deps.attempts - 1), delay: (e: unknown) => (outcomeUnknown(e) && key !== undefined ? of(0) : throwError(() => e)) }),
  );
}
