import { defer, filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { ConversationChange } from '../domain/index.js';
import type { Role } from '../protocol/index.js';

/** Options of `dedupeConversations`. */
export interface DedupeConversationsConfig {
  /**
   * Count a conversation as seen only once this agent has this role in it. A conversation is
   * often visible before the assignment reaches this agent (the first UPSERT after a ring accept
   * may not list it yet), so filtering on `myRole` after `dedupeConversations()` would miss it.
   * Default: every change counts.
   */
  myRole?: Role;
}

/**
 * Whether a change ends a conversation for this agent: a DELETE (it left the subscription's
 * scope, e.g. transferred away) or an UPSERT whose state is CLOSE.
 *
 * @example
 * agent.conversations$.pipe(filter(isConversationEnd), map((c) => c.convId));
 */
export function isConversationEnd(change: ConversationChange): boolean {
  return change.type === 'DELETE' || change.conversation.state === 'CLOSE';
}

/**
 * Emits a conversation the first time it is seen open, and again only after it has ended.
 *
 * `conversations$` emits an UPSERT for every change of a conversation (a message read, a
 * participant added, a TTR update...); this turns it into "a conversation started" events, which
 * is what greeting, logging or counting wants. A DELETE or a CLOSE is never emitted: it makes the
 * operator forget the conversation, so memory is bounded by the conversations open at once, and a
 * later UPSERT of the same convId (it came back after a transfer) is new again.
 *
 * ## Example
 * ```ts
 * import { map } from 'rxjs';
 * import { dedupeConversations, sendText } from 'lp-agent-rx';
 *
 * agent.run(agent.conversations$.pipe(
 *   dedupeConversations({ myRole: 'ASSIGNED_AGENT' }),
 *   map((c) => sendText(c.convId, 'Hello!')),
 * ));
 * ```
 *
 * @see {@link isConversationEnd}
 * @see {@link acceptWaitingRings}
 *
 * @param config - Which changes count as seeing the conversation; see {@link DedupeConversationsConfig}.
 * @return A function that returns an Observable of the first open UPSERT of each conversation,
 * per opening.
 */
export function dedupeConversations(config: DedupeConversationsConfig = {}): MonoTypeOperatorFunction<ConversationChange> {
  const { myRole } = config;

  return (conversations$) =>
    defer(() => {
      const open = new Set<string>();
      return conversations$.pipe(
        filter((change) => {
          if (isConversationEnd(change)) {
            open.delete(change.convId);
            return false;
          }
          if (open.has(change.convId) || (myRole !== undefined && change.myRole !== myRole)) return false;
          open.add(change.convId);
          return true;
        }),
      );
    });
}
