import type { Observable, Subscription } from 'rxjs';
import type { AgentError } from '../domain/errors.js';
import type { Command, CommandBody } from '../domain/commands.js';
import type {
  AgentStateChange,
  ChatStateChange,
  ConversationChange,
  Identity,
  MessagingEvent,
  Ring,
} from '../domain/types.js';
import type {
  Notification,
  RequestType,
  Response,
  ResponseBody,
  TypedObject,
  UpdateConversationFieldBody,
  GetUserProfileBody,
} from '../protocol/index.js';

/**
 * The connection's state; `connection$` replays the latest to every new subscriber.
 *
 * @example
 * agent.connection$.pipe(filter((s) => s.status === 'reconnecting')).subscribe((s) => log(s.attempt));
 */
export interface ConnectionState {
  status: 'connecting' | 'open' | 'reconnecting' | 'closed';
  /** The close code that led here, for 'reconnecting' and 'closed'. */
  code?: number;
  /** The attempt in flight, 1-based, for 'connecting' and 'reconnecting'. */
  attempt?: number;
}

/**
 * A snapshot of what an agent is doing: `agent.stats()`.
 *
 * @example
 * const { status, rtt, openConversations, catchUpBacklog } = agent.stats();
 */
export interface AgentStats {
  status: ConnectionState['status'];
  /** Ms the current connection has been open (0 when not open). */
  uptime: number;
  /** Drops followed by a reconnect attempt, since the agent was created. */
  reconnects: number;
  /** The last keep-alive (or any GetClock) round trip, in ms; undefined before the first. */
  rtt: number | undefined;
  /** LivePerson's clock minus this machine's, in ms, from the last GetClock (half the round trip allowed for). */
  clockSkew: number | undefined;
  /** Requests sent and not yet answered. */
  pendingRequests: number;
  /** Open conversations this agent takes part in. */
  openConversations: number;
  /** Dialogs followed (history on join, catch-up after drops). */
  followedDialogs: number;
  /** Dialogs whose history is still being fetched (their live events wait). */
  catchUpBacklog: number;
  /** Messages delivered on `messages$`. */
  messagesIn: number;
  /** Messages published (content, rich content, receipts; not chat states). */
  messagesOut: number;
}

/**
 * The outcome of one command run by `agent.run`.
 *
 * @example
 * agent.results$.pipe(filter((r) => !r.ok)).subscribe((r) => log.warn(r.command.type, r.error.message));
 */
export type CommandResult =
  | { ok: true; command: Command; response: Response }
  | { ok: false; command: Command; error: AgentError };

/** Per-call options of `agent.request`. */
export interface RequestOptions {
  /** Overrides the agent's `requestTimeout` for this request, in ms. */
  timeout?: number;
  /** Typed metadata for the request envelope. */
  metadata?: TypedObject[];
}

/**
 * One agent's connection to the Messaging Agent API, as typed streams. Every stream is hot and
 * shared: subscribing never opens a second socket. Create with `createAgent`.
 *
 * @example
 * const agent = createAgent(creds);
 * await firstValueFrom(agent.connect());
 * agent.run(agent.rings$.pipe(acceptWaitingRings()));
 */
export interface Agent {
  /** The connection state; replays the latest. */
  readonly connection$: Observable<ConnectionState>;
  /** Every decoded notification, raw type included (unknown types too). */
  readonly notifications$: Observable<Notification>;
  /** One `Ring` per ring of a RoutingTaskNotification change. */
  readonly rings$: Observable<Ring>;
  /** One change per conversation of an ExConversationChangeNotification. */
  readonly conversations$: Observable<ConversationChange>;
  /**
   * Content, rich content, receipts and events of unknown types, each `(dialogId, sequence)` once:
   * the history of every conversation the agent joins (fetched on its own), live events after it,
   * and records from `queryMessages`. The same whether or not the connection dropped.
   */
  readonly messages$: Observable<MessagingEvent>;
  /** Typing and presence (COMPOSING, ACTIVE, BACKGROUND, ...). */
  readonly chatState$: Observable<ChatStateChange>;
  /** Agent availability changes. */
  readonly agentState$: Observable<AgentStateChange>;
  /** Every error, typed; nothing is thrown into the event loop. */
  readonly errors$: Observable<AgentError>;
  /** The result of every command run by `run`. */
  readonly results$: Observable<CommandResult>;
  /** Who this agent is; available once connected (undefined before the first login). */
  readonly identity: Identity | undefined;

  /** Opens the connection (once; later calls share it). Emits once open and subscriptions replayed, then completes. */
  connect(): Observable<void>;
  /** Executes a stream of commands; results on `results$`. Unsubscribe to stop. */
  run(commands$: Observable<Command>): Subscription;
  /** Sends one command; cold, sends on subscribe. */
  execute(command: Command): Observable<Response>;
  /** Sends a raw request; cold, sends on subscribe; errors on timeout, failure or close. */
  request(type: string, body?: unknown, options?: RequestOptions): Observable<Response>;

  /** Accepts or rejects a ring (node-agent-sdk's `updateRingState`). */
  updateRingState(body: CommandBody<'.ams.routing.UpdateRingState'>): Observable<ResponseBody<'.ams.routing.UpdateRingState'>>;
  /** Publishes an event in a dialog: a message, a read receipt, a chat state; resolves with its `sequence`. */
  publishEvent(
    body: CommandBody<'.ams.ms.PublishEvent'>,
    metadata?: TypedObject[],
  ): Observable<ResponseBody<'.ams.ms.PublishEvent'>>;
  /** Sets availability; remembered and restored after every reconnect. */
  setAgentState(body: CommandBody<'.ams.routing.SetAgentState'>): Observable<ResponseBody<'.ams.routing.SetAgentState'>>;
  /** Subscribes to conversations; remembered and replayed after every reconnect. */
  subscribeExConversations(
    body?: CommandBody<'.ams.aam.SubscribeExConversations'>,
  ): Observable<ResponseBody<'.ams.aam.SubscribeExConversations'>>;
  /** Ends a conversation subscription; it is no longer replayed after reconnects. */
  unsubscribeExConversations(
    body: CommandBody<'.ams.aam.UnsubscribeExConversations'>,
  ): Observable<ResponseBody<'.ams.aam.UnsubscribeExConversations'>>;
  /** Subscribes to rings; remembered and replayed after every reconnect. */
  subscribeRoutingTasks(
    body?: CommandBody<'.ams.routing.SubscribeRoutingTasks'>,
  ): Observable<ResponseBody<'.ams.routing.SubscribeRoutingTasks'>>;
  /** Changes the routing subscription (skill, conversation). */
  updateRoutingTaskSubscription(
    body: CommandBody<'.ams.routing.UpdateRoutingTaskSubscription'>,
  ): Observable<ResponseBody<'.ams.routing.UpdateRoutingTaskSubscription'>>;
  /** Subscribes to agent state; remembered and replayed after every reconnect. */
  subscribeAgentsState(
    body?: CommandBody<'.ams.routing.SubscribeAgentsState'>,
  ): Observable<ResponseBody<'.ams.routing.SubscribeAgentsState'>>;
  /** Changes a conversation: close, transfer, join, leave, TTR, ... (fields of PROTOCOL.md §3.1). */
  updateConversationField(body: UpdateConversationFieldBody): Observable<ResponseBody<'.ams.cm.UpdateConversationField'>>;
  /** Queries a dialog's history; the records not seen before are also delivered on `messages$`. */
  queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]>;
  /** The server's clock, `{currentTime}`. */
  getClock(): Observable<ResponseBody<'.GetClock'>>;
  /** A consumer's profile (by consumer id), or this agent's own with no argument; the raw profile, not node-agent-sdk's SDE array. */
  getUserProfile(consumerId?: GetUserProfileBody): Observable<ResponseBody<'.ams.userprofile.GetUserProfile'>>;
  /** Opens a proactive conversation with a consumer; resolves with its `conversationId`. */
  agentRequestConversation(
    body: CommandBody<'.ams.cm.AgentRequestConversation'>,
  ): Observable<ResponseBody<'.ams.cm.AgentRequestConversation'>>;
  /** A temporary URL to upload a file for sharing (`hosted/file`). */
  generateURLForUploadFile(
    body: CommandBody<'.ams.ms.GenerateURLForUploadFile'>,
  ): Observable<ResponseBody<'.ams.ms.GenerateURLForUploadFile'>>;
  /** A temporary URL to download a shared file by its `relativePath`. */
  generateURLForDownloadFile(
    body: CommandBody<'.ams.ms.GenerateURLForDownloadFile'>,
  ): Observable<ResponseBody<'.ams.ms.GenerateURLForDownloadFile'>>;
  /** A one-time token to read a secure-form submission. */
  generateDownloadToken(
    body: CommandBody<'.ams.ms.token.GenerateDownloadToken'>,
  ): Observable<ResponseBody<'.ams.ms.token.GenerateDownloadToken'>>;
  /** Sends a typed request and decodes its response body. */
  call<K extends RequestType>(type: K, body: CommandBody<K>, metadata?: TypedObject[]): Observable<ResponseBody<K>>;
  /**
   * What the agent is doing now: status, uptime, reconnects, round trip, clock skew, pending
   * requests, conversations, followed dialogs, catch-up backlog, messages in and out.
   *
   * @example
   * setInterval(() => console.log(agent.stats()), 10_000);
   */
  stats(): AgentStats;
  /**
   * Puts an error of your own pipeline on `errors$` (an `AgentError` as it is, anything else as a
   * `PipelineError` with a redacted message), so one place sees every failure.
   *
   * @example
   * agent.report(new Error('the model timed out'));
   */
  report(error: unknown): void;
  /** Completes every stream, clears every timer, fails pending requests and closes the socket. */
  dispose(): void;
  /**
   * Resolves once the agent is disposed and its socket has finished closing (the server has seen
   * the close): wait on it before another process may log in as this user.
   *
   * @example
   * agent.dispose();
   * await agent.closed();
   */
  closed(): Promise<void>;
}
