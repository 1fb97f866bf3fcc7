import { connect, defer, EMPTY, endWith, filter, ignoreElements, map, merge, takeUntil, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { ConversationChange, Ring } from '../domain/index.js';
import { acceptRing, type RingAnswerCommand } from './commands.js';
import { isConversationEnd } from './dedupeConversations.js';

/** Options of `acceptWaitingRings`: which skills to accept, and how many conversations to hold at once. */
export interface AcceptWaitingRingsConfig {
  /**
   * Accept only rings for these skill ids; rings of other skills, or with no skill, are left to
   * ring out. Default: every skill.
   */
  skills?: readonly string[];
  /**
   * The most conversations this pipeline holds at once. A conversation is held from the moment its
   * ring is accepted until `conversations$` reports its end (a DELETE, or state CLOSE; see
   * {@link isConversationEnd}). Rings that arrive while the cap is reached are not accepted and not
   * queued: they ring out, and routing offers them again or to another agent. Without
   * `conversations$` nothing is ever released, so the cap counts accepted conversations in total.
   * Default: no cap.
   */
  maxConcurrent?: number;
  /**
   * This agent's conversation changes (`agent.conversations$`), from which the pipeline learns that
   * a held conversation ended and frees its slot. Only needed with `maxConcurrent`.
   */
  conversations$?: Observable<ConversationChange>;
}

/**
 * Accepts every WAITING ring, once per ring id, optionally only for some skills and only while
 * fewer than `maxConcurrent` accepted conversations are still open.
 *
 * Routing repeats a ring in every notification about its task; this answers the first WAITING
 * one and ignores the rest. Concurrency is counted in conversations, not in a time window: a bot
 * that can serve three customers holds three, and takes a fourth once one of them closes. Ring
 * withdrawals (DELETE) and rings in any other state are ignored.
 *
 * Per subscription it remembers the rings it accepted, keyed by conversation, and forgets them
 * when the conversation ends; memory is bounded by the conversations held.
 *
 * ## Example
 * ```ts
 * import { acceptWaitingRings } from 'lp-agent-rx';
 *
 * agent.run(agent.rings$.pipe(
 *   acceptWaitingRings({ skills: ['1234'], maxConcurrent: 3, conversations$: agent.conversations$ }),
 * ));
 * ```
 *
 * @see {@link acceptRing}
 * @see {@link dedupeConversations}
 *
 * @param config - Skill filter and concurrency cap; see {@link AcceptWaitingRingsConfig}.
 * @return A function that returns an Observable of UpdateRingState ACCEPTED commands, at most one
 * per ring id.
 */
export function acceptWaitingRings(config: AcceptWaitingRingsConfig = {}): OperatorFunction<Ring, RingAnswerCommand> {
  const { skills, maxConcurrent = Infinity, conversations$ = EMPTY } = config;

  return (rings$) =>
    defer(() => {
      // convId -> ids of the rings accepted for it; its size is the number of conversations held.
      const held = new Map<string, Set<string>>();

      const admits = (ring: Ring): boolean => {
        if (ring.changeType !== 'UPSERT' || ring.ringState !== 'WAITING') return false;
        if (skills && (ring.skillId === undefined || !skills.includes(ring.skillId))) return false;
        const ringIds = held.get(ring.convId);
        if (ringIds?.has(ring.ringId)) return false;
        if (!ringIds && held.size >= maxConcurrent) return false;
        held.set(ring.convId, (ringIds ?? new Set<string>()).add(ring.ringId));
        return true;
      };

      const releases$ = conversations$.pipe(
        filter(isConversationEnd),
        tap((change) => held.delete(change.convId)),
        ignoreElements(),
      );

      return rings$.pipe(
        connect((shared$) =>
          merge(
            releases$.pipe(takeUntil(shared$.pipe(ignoreElements(), endWith(true)))),
            shared$.pipe(
              filter(admits),
              map((ring) => acceptRing(ring.ringId)),
            ),
          ),
        ),
      );
    });
}
