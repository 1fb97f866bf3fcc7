import { Subject } from 'rxjs';
import type { AgentError } from '../domain/errors.js';
import type { AgentStateChange, ChatStateChange, ConversationChange, Identity, MessagingEvent, Ring } from '../domain/types.js';
import type { Notification } from '../protocol/index.js';
import { DialogDirectory, routeNotification, unknownValueReporter, type InboundSink } from './inbound.js';
import { Resume, type ResumeConfig } from './resume.js';
import type { CommandResult } from './types.js';

/** Open conversations counted at most (LivePerson allows 999 per bot user; a manager may see more). */
const MAX_OPEN_CONVERSATIONS = 10_000;

/**
 * What the streams need from their agent: where errors go, how the resume part fetches history,
 * and what happens to each message before it reaches `messages$` (counting, diagnostics).
 *
 * @example
 * new AgentStreams({ report, resume: { follow, scheduler, query, pace, identity, isOwn } });
 */
export interface StreamsConfig {
  report(error: AgentError): void;
  readonly resume: Omit<ResumeConfig, 'deliver' | 'conversationOf' | 'report'>;
  /** Called with each message just before it is put on `messages$`. */
  delivering?(event: MessagingEvent): void;
}

/**
 * The agent's typed streams and the inbound wiring into them, shared by `createAgent` and
 * `createTestAgent` (the same code, not a copy): a decoded notification goes onto `notifications$`,
 * then through `routeNotification` to rings, conversations (with the open-conversation count and the
 * resume part's following), chat and agent states; live events go through the resume part, which
 * dedupes, holds them while history is fetched, and delivers them onto `messages$`.
 *
 * @example
 * const streams = new AgentStreams({ report, resume });
 * streams.inbound(notification, identity);
 * streams.rings.subscribe((ring) => ...);
 */
export class AgentStreams {
  readonly notifications = new Subject<Notification>();
  readonly rings = new Subject<Ring>();
  readonly conversations = new Subject<ConversationChange>();
  readonly messages = new Subject<MessagingEvent>();
  readonly chatState = new Subject<ChatStateChange>();
  readonly agentState = new Subject<AgentStateChange>();
  readonly errors = new Subject<AgentError>();
  readonly results = new Subject<CommandResult>();
  /** Which conversation each dialog belongs to (learnt from conversation changes). */
  readonly dialogs = new DialogDirectory();
  /** Conversations open with this agent in them, bounded (for `stats()`). */
  readonly openConversations = new Set<string>();
  /** Following, dedupe and catch-up of `messages$`. */
  readonly resume: Resume;
  private readonly warnOnce: (enumName: string, value: string, frameType: string) => void;
  private readonly sink: InboundSink;

  constructor(config: StreamsConfig) {
    const { report, delivering } = config;
    this.warnOnce = unknownValueReporter(report);
    this.resume = new Resume({
      ...config.resume,
      report,
      conversationOf: (dialogId) => this.dialogs.conversationOf(dialogId),
      deliver: (e) => {
        delivering?.(e);
        this.messages.next(e);
      },
    });
    this.sink = {
      ring: (r) => this.rings.next(r),
      conversation: (c) => {
        this.countOpen(c);
        this.conversations.next(c);
        this.resume.onConversation(c);
      },
      event: (e) => this.resume.onLive(e),
      chatState: (c) => this.chatState.next(c),
      agentState: (s) => this.agentState.next(s),
      warning: report,
    };
  }

  /** One decoded notification: onto `notifications$`, then routed into the typed streams once the agent knows who it is. */
  inbound(notification: Notification, identity: Identity | undefined): void {
    if (this.notifications.observed) this.notifications.next(notification);
    if (identity) routeNotification(notification, identity, this.sink, this.warnOnce, this.dialogs);
  }

  /** Reports an unknown enum value once per agent. */
  unknownValue(enumName: string, value: string, frameType: string): void {
    this.warnOnce(enumName, value, frameType);
  }

  /** A snapshot after a reconnect says which conversations are still open: the others are forgotten. */
  reconcile(open: ReadonlySet<string>): void {
    for (const id of this.openConversations) if (!open.has(id)) this.openConversations.delete(id);
    this.resume.reconcile(open);
  }

  /** Completes every stream (the resume part is disposed by its agent first). */
  complete(): void {
    for (const s of [this.notifications, this.rings, this.conversations, this.messages, this.chatState, this.agentState, this.errors, this.results]) s.complete();
  }

  private countOpen(c: ConversationChange): void {
    if (c.type === 'DELETE' || c.conversation.state === 'CLOSE' || c.myRole === undefined) this.openConversations.delete(c.convId);
    else if (this.openConversations.size < MAX_OPEN_CONVERSATIONS || this.openConversations.has(c.convId)) this.openConversations.add(c.convId);
  }
}
