import { filter, map, merge } from 'rxjs';
import { acceptWaitingRings, contentEvents, sendText } from '../../src/index';
import type { PoolPipeline } from '../../src/cluster/index';

/** The answer to a consumer's message: names it, so a spec can count answers per message. */
export const answerTo = (text: string): string => `re: ${text}`;

/** A pool's bot for the cluster specs: accepts rings and answers every consumer message, keyed by it. */
export const echoBot: PoolPipeline = (agent) =>
  merge(
    agent.rings$.pipe(acceptWaitingRings()),
    agent.messages$.pipe(
      contentEvents(),
      filter((m) => m.role === 'CONSUMER'),
      map((m) => sendText(m.dialogId, answerTo(m.event.message), { replyTo: m })),
    ),
  );
