/**
 * The demo bot, as pure pipelines built from lp-agent-rx's operators: `agent.run(demoBot(agent))`.
 * It
 * - accepts every WAITING ring (`acceptWaitingRings`),
 * - greets each conversation it is assigned to, once (`dedupeConversations`),
 * - marks every message from someone else READ, once per message (`markAsRead`),
 * - echoes text messages, typing first (`contentEvents` + `typing`: COMPOSING, the reply, ACTIVE),
 *   each reply keyed by the message it answers (`replyTo`: answered once, even across a failover),
 * - answers `menu` with a card and quick replies (`rich` builders, `sendRichContent`),
 * - closes the conversation when the consumer writes `#close` (`closeConversation`).
 */
import { filter, map, merge, type Observable } from 'rxjs';
import {
  acceptWaitingRings,
  closeConversation,
  contentEvents,
  dedupeConversations,
  markAsRead,
  rich,
  sendRichContent,
  sendText,
  typing,
  type Agent,
  type Command,
} from 'lp-agent-rx';

/** What the consumer writes to end the conversation. */
export const CLOSE_WORD = '#close';
/** The bot's first message in every conversation. */
export const GREETING = `Hello! I am the demo bot. Say anything, or "${CLOSE_WORD}" to finish.`;
/** What the consumer writes to get the menu. */
export const MENU_WORD = 'menu';
/** The menu: a card with buttons, and quick replies under it. */
export const MENU = rich.card([
  rich.text('What can I do for you?', { style: { bold: true } }),
  rich.button('Opening hours', rich.publishText('opening hours')),
  rich.button('Our site', rich.link('https://example.com')),
]);
export const MENU_REPLIES = rich.quickReplies([rich.quickReply('Opening hours'), rich.quickReply('Prices'), rich.quickReply('Bye', { publishText: '#close' })]);
/** The bot's answer to `said`. */
export const echoOf = (said: string): string => `You said: ${said}`;

/**
 * The whole bot: the commands to run for everything the agent sees.
 *
 * @example
 * agent.run(demoBot(agent));
 */
export function demoBot(agent: Agent): Observable<Command> {
  const accept$ = agent.rings$.pipe(acceptWaitingRings());

  const greet$ = agent.conversations$.pipe(
    dedupeConversations({ myRole: 'ASSIGNED_AGENT' }),
    map((c) => sendText(c.convId, GREETING)),
  );

  const markRead$ = agent.messages$.pipe(markAsRead());

  const fromConsumer$ = agent.messages$.pipe(
    contentEvents(),
    filter((m) => m.role === undefined || m.role === 'CONSUMER'),
  );
  const close$ = fromConsumer$.pipe(
    filter((m) => m.event.message.trim() === CLOSE_WORD),
    map((m) => closeConversation(m.convId)),
  );
  const menu$ = fromConsumer$.pipe(
    filter((m) => m.event.message.trim().toLowerCase() === MENU_WORD),
    map((m) => sendRichContent(m.dialogId, MENU, { quickReplies: MENU_REPLIES, replyTo: m })),
  );
  const echo$ = fromConsumer$.pipe(
    filter((m) => m.event.message.trim() !== CLOSE_WORD && m.event.message.trim().toLowerCase() !== MENU_WORD),
    map((m) => sendText(m.dialogId, echoOf(m.event.message), { replyTo: m })),
    typing(),
  );

  return merge(accept$, greet$, markRead$, close$, menu$, echo$);
}
