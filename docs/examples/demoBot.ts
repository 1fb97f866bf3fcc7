/**
 * The demo bot, as pure pipelines: `agent.run(demoBot(agent))`. It
 * - accepts every WAITING ring,
 * - greets each conversation it is assigned to (once),
 * - marks every message from someone else READ (once per message),
 * - echoes text messages, typing first (COMPOSING, the reply, then ACTIVE),
 * - closes the conversation when the consumer writes `#close`.
 * No state outside the pipelines: `distinct` keeps the "once each" promises.
 */
import { distinct, filter, from, map, merge, mergeMap, type Observable } from 'rxjs';
import type { Agent, ChatState, Command, MessagingEvent } from 'lp-agent-rx';

/** What the consumer writes to end the conversation. */
export const CLOSE_WORD = '#close';
/** The bot's first message in every conversation. */
export const GREETING = `Hello! I am the demo bot. Say anything, or "${CLOSE_WORD}" to finish.`;
/** The bot's answer to `said`. */
export const echoOf = (said: string): string => `You said: ${said}`;

const text = (dialogId: string, message: string): Command => ({
  type: '.ams.ms.PublishEvent',
  body: { dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message } },
});

const chatState = (dialogId: string, state: ChatState): Command => ({
  type: '.ams.ms.PublishEvent',
  body: { dialogId, event: { type: 'ChatStateEvent', chatState: state } },
});

const read = (m: MessagingEvent): Command => ({
  type: '.ams.ms.PublishEvent',
  body: { dialogId: m.dialogId, event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [m.sequence] } },
});

const close = (convId: string): Command => ({
  type: '.ams.cm.UpdateConversationField',
  body: { conversationId: convId, conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] },
});

/** The plain text of a message, or undefined when it is not a text message. */
const said = (m: MessagingEvent): string | undefined =>
  m.type === 'ContentEvent' && m.event.contentType === 'text/plain' && typeof m.event.message === 'string' ? m.event.message : undefined;

/** A key that identifies one message even when it is delivered twice (live, replay, lastContent). */
const messageKey = (m: MessagingEvent): string => `${m.dialogId}#${m.sequence}`;

/**
 * The whole bot: the commands to run for everything the agent sees.
 *
 * @example
 * agent.run(demoBot(agent));
 */
export function demoBot(agent: Agent): Observable<Command> {
  const accept$ = agent.rings$.pipe(
    filter((ring) => ring.ringState === 'WAITING'),
    distinct((ring) => ring.ringId),
    map((ring): Command => ({ type: '.ams.routing.UpdateRingState', body: { ringId: ring.ringId, ringState: 'ACCEPTED' } })),
  );

  const greet$ = agent.conversations$.pipe(
    filter((c) => c.type === 'UPSERT' && c.myRole === 'ASSIGNED_AGENT' && c.conversation.state === 'OPEN'),
    distinct((c) => c.convId),
    map((c) => text(c.convId, GREETING)),
  );

  // Others' sequenced messages, each once (receipts are not read back).
  const incoming$ = agent.messages$.pipe(
    filter((m) => !m.isMe && m.sequence > 0 && m.type !== 'AcceptStatusEvent'),
    distinct(messageKey),
  );

  const markRead$ = incoming$.pipe(map(read));

  const answer$ = incoming$.pipe(
    filter((m) => m.role === undefined || m.role === 'CONSUMER'),
    mergeMap((m) => {
      const words = said(m);
      if (words === undefined) return from<Command[]>([]);
      if (words.trim() === CLOSE_WORD) return from([close(m.convId)]);
      return from([chatState(m.dialogId, 'COMPOSING'), text(m.dialogId, echoOf(words)), chatState(m.dialogId, 'ACTIVE')]);
    }),
  );

  return merge(accept$, greet$, markRead$, answer$);
}
