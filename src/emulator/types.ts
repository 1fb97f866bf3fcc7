import type { Observable } from 'rxjs';
import type {
  ChatState,
  CloseReason,
  ConversationDetails,
  ConversationState,
  KnownEventRecord,
  ExConversationResult,
  MessagingEventBody,
  Request,
  RichContentEvent,
  RingState,
  TypedObject,
} from '../protocol/index.js';
import type { NextFault, RandomFaultKind } from './engine/faults.js';
import type { PreparedFrames } from './engine/wireFrames.js';

/**
 * Options of `startEmulator`. Every field has a default.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, seed: 1, ringExpiration: 500 });
 */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Seed of the id generator: the same seed gives the same ids in the same order. Default 1. */
  seed?: number;
  /** The first (default) account (brand) id. Default `'12345678'`; add more with `addAccount`. */
  accountId?: string;
  /** How long a ring waits for an answer before it becomes EXPIRED, in ms. Default 72000. */
  ringExpiration?: number;
  /**
   * Serve https/wss with a self-signed certificate made at start (see `Emulator.ca`); credentials
   * then carry `secure: true` and `ca`. Default false: plain http/ws (allowed on loopback).
   */
  tls?: boolean;
  /**
   * Whether closing a MAIN dialog opens a POST_SURVEY dialog (LivePerson's post-conversation
   * survey) instead of closing the conversation. Default false.
   */
  postSurvey?: boolean;
  /**
   * `'one'` (the default, as LivePerson): a new websocket of an agent user ends that user's older
   * sockets with close 4409 ("session taken over"). `'many'` lets them live side by side.
   */
  sessionsPerUser?: 'one' | 'many';
  /** Record websocket frames from the start (`emulator.frames()`, the console's inspector). Default false. */
  recordFrames?: boolean;
  /** Event records carry `conversationId` (no LivePerson sample does; clients map dialogs themselves). Default false. */
  eventConversationId?: boolean;
  /** How long settled rings and fully closed conversations are kept, in ms, so memory stays flat. Default 600 000. */
  retention?: number;
}

/**
 * What every credential of a TLS emulator adds, so `createAgent(creds)` uses https/wss and trusts
 * the emulator's certificate. Absent fields without `tls`.
 *
 * @example
 * const { secure, ca } = emulator.addAgent({ username: 'bot', password: 'secret' }); // true, '-----BEGIN CERTIFICATE-----...'
 */
export interface EmulatorTrust {
  /** `true` with `tls`: use https/wss even on loopback. */
  readonly secure?: boolean;
  /** The emulator's certificate (PEM), to trust. */
  readonly ca?: string;
}

/**
 * An agent user of one of the emulated accounts.
 *
 * @example
 * emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
 * emulator.addAgent({ username: 'bot', password: 'other', accountId: emulator.addAccount('87654321') });
 */
export interface AgentOptions {
  /** The login name. Unique per account: two accounts may each have a `'bot'`. */
  username: string;
  /** The password for a username/password login. */
  password: string;
  /** Skill ids routing rings this agent for; `'-1'` means any skill. Default `['-1']`. */
  skills?: readonly string[];
  /** Shown in its user profile. Default the username. */
  nickname?: string;
  /** The account it belongs to (one added with `addAccount`). Default the emulator's first account. */
  accountId?: string;
}

/**
 * What `createAgent` needs to log in with a password against the emulator.
 *
 * @example
 * const creds: EmulatorCredentials = emulator.addAgent({ username: 'bot', password: 'secret' });
 */
export interface EmulatorCredentials extends EmulatorTrust {
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
  /** The emulator's `127.0.0.1:port`, to use as CSDS domain. */
  readonly csdsDomain: string;
}

/**
 * OAuth1 application keys of an agent (a bot user's login).
 *
 * @example
 * const creds: EmulatorOAuthCredentials = emulator.oauthCredentials('bot');
 */
export interface EmulatorOAuthCredentials extends EmulatorTrust {
  readonly accountId: string;
  readonly username: string;
  readonly appKey: string;
  readonly secret: string;
  readonly accessToken: string;
  readonly accessTokenSecret: string;
  readonly csdsDomain: string;
}

/**
 * A SAML assertion that logs an agent in (SSO).
 *
 * @example
 * const creds: EmulatorAssertionCredentials = emulator.assertionCredentials('bot');
 */
export interface EmulatorAssertionCredentials extends EmulatorTrust {
  readonly accountId: string;
  readonly assertion: string;
  readonly csdsDomain: string;
}

/**
 * A valid bearer issued without a login, for token credentials.
 *
 * @example
 * const { token, userId } = emulator.issueToken('bot');
 */
export interface EmulatorTokenCredentials extends EmulatorTrust {
  readonly accountId: string;
  readonly token: string;
  readonly userId: string;
  readonly userPid: string;
  readonly csdsDomain: string;
}

/**
 * Who an agent is on the wire: legacy id in request bodies and `participants`, PId in `participantsPId`.
 *
 * @example
 * const { legacyId, userPid } = emulator.agentIdentity('bot'); // '12345678.4411', 'b6f7...'
 */
export interface AgentIdentity {
  readonly accountId: string;
  readonly userId: string;
  /** `accountId.userId`. */
  readonly legacyId: string;
  /** The UUID LivePerson calls `userPid`. */
  readonly userPid: string;
}

/**
 * A simulated consumer's profile and the skill its conversation asks for.
 *
 * @example
 * const consumer = await emulator.consumer({ skillId: '-1', firstName: 'Ada' });
 */
export interface ConsumerOptions {
  /** Skill the conversation is routed to. Default `'-1'`. */
  skillId?: string;
  /** The account the conversation opens in; only its agents are rung. Default the first account. */
  accountId?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

/**
 * A quick reply button, as agents send it in `quickReplies.replies[]`.
 *
 * @example
 * await consumer.clickQuickReply({
 *   title: 'Yes',
 *   click: { metadata: [{ type: 'ExternalId', id: 'yes-1' }], actions: [{ type: 'publishText', text: 'Yes' }] },
 * });
 */
export interface QuickReply {
  readonly title: string;
  readonly click?: {
    readonly metadata?: readonly TypedObject[];
    readonly actions?: readonly { readonly type: string; readonly text?: string }[];
  };
}

/**
 * The consumer side of one conversation, driven by the test.
 *
 * @example
 * const consumer = await emulator.consumer({ skillId: '-1' });
 * const seq = await consumer.send('hello'); // 1
 * consumer.received$.subscribe((record) => console.log(record.event));
 */
export interface Consumer {
  /** The conversation id (also the MAIN dialog id). */
  readonly convId: string;
  /** The consumer's id (a UUID), as in `participants.CONSUMER`; changes with `stepUp`. */
  readonly consumerId: string;
  /**
   * Everything others sent in this conversation and the consumer sees (agents' messages,
   * receipts and chat states, not AGENTS_AND_MANAGERS ones). Replays the stored (sequenced) past to
   * late subscribers, from the one copy the conversation keeps; chat states are never stored, so
   * they reach only subscribers present when they happen. Completes when the emulator closes.
   */
  readonly received$: Observable<KnownEventRecord>;
  /** Sends a `text/plain` ContentEvent; resolves with its sequence. */
  send(text: string): Promise<number>;
  /** Publishes any event (rich content, files...); resolves with its sequence (0 for chat states). */
  publish(event: MessagingEventBody): Promise<number>;
  /** Sends a RichContentEvent (structured content: cards, carousels...); resolves with its sequence. */
  sendRichContent(content: RichContentEvent['content']): Promise<number>;
  /**
   * Clicks a quick reply the agent offered, as LivePerson's consumer clients do: a `text/plain`
   * ContentEvent carrying the button's `publishText` text (else its title), with the button's
   * `click.metadata` as the event's `metadata`. Resolves with its sequence.
   */
  clickQuickReply(reply: QuickReply): Promise<number>;
  /**
   * The consumer authenticates: the conversation's CONSUMER participant becomes `newConsumerId`
   * (default a fresh UUID), and ExConversation subscribers get an UPSERT. Resolves with the new id.
   */
  stepUp(newConsumerId?: string): Promise<string>;
  /** Sends a ChatStateEvent (unsequenced). */
  type(chatState: ChatState): Promise<void>;
  /** Sends an AcceptStatusEvent READ for these sequences; resolves with the receipt's own sequence. */
  read(sequences: readonly number[]): Promise<number>;
  /** Closes the conversation (closeReason CONSUMER). */
  close(): Promise<void>;
}

/**
 * Fault injection knobs; every one stays on until `clear()`.
 *
 * @example
 * emulator.faults.dropResponses('GetClock'); // keep-alives now time out
 * emulator.faults.clear();
 */
export interface Faults {
  /**
   * Requests of this type (long name or short alias, or `'*'` for all) are swallowed from now on:
   * no response and no effect. They still appear on `requests$`.
   */
  dropResponses(type: string): void;
  /** Conversation changes carry no `lastContentEventNotification` (the service's known race). */
  omitLastContentEvent(): void;
  /** Every OnlineEventDistribution frame is sent twice (the duplicates clients must drop). */
  duplicateEvents(): void;
  /**
   * Responses to requests of this type (or `'*'`) are sent `ms` later, with the notifications the
   * request caused for that socket; the request itself takes effect at once.
   */
  delayResponses(type: string, ms: number): void;
  /** While on (the default argument), session refresh answers 401. */
  refreshUnauthorized(on?: boolean): void;
  /** The next `count` logins (default 1) answer 429 with `Retry-After: 1`. */
  loginRateLimited(count?: number): void;
  /** While on, OnlineEventDistribution frames reach each socket in swapped pairs (2 before 1). */
  reorderEvents(on?: boolean): void;
  /**
   * Each request (and each event frame, for `duplicateEvent`) is hit with probability `rate` by
   * one of `kinds` (default all), drawn from a PRNG seeded by the emulator's seed: the same seed
   * and the same traffic fail the same way.
   */
  random(options: { rate: number; kinds?: readonly RandomFaultKind[] }): void;
  /**
   * The server goes silent on open sockets: no response to any request and no pong to ws pings
   * (a half-dead connection that only a liveness check can notice). Sockets stay open.
   */
  stopAnswering(): void;
  /**
   * Each socket may send `perSecond` requests a second, in bursts of at most `burst` (default
   * `perSecond`); requests over that are answered 429 with no effect, as LivePerson answers bursts.
   */
  rateLimit(options: { perSecond: number; burst?: number }): void;
  /**
   * The next request of this type (long name or short alias, or `'*'` for any) meets `fault`, once.
   * Several calls queue up, each taken by one request in order. A simulator's way to put a fault
   * at an exact moment: lost responses, 5xx/429, late answers, drops before or after the effect.
   *
   * @example
   * emulator.faults.failNext('PublishEvent', { kind: 'dropAfterEffect' }); // published, then 1006
   */
  failNext(type: string, fault: NextFault): void;
  /** Turns every fault off (queued `failNext` faults too). */
  clear(): void;
}

/**
 * A request the emulator received, with the agent that sent it.
 *
 * @example
 * emulator.requests$.pipe(filter((r) => r.request.type === '.ams.routing.UpdateRingState'));
 */
export interface ReceivedRequest {
  readonly username: string;
  /** The sending agent's account. */
  readonly accountId: string;
  readonly request: Request;
}

/**
 * A ring as the server keeps it.
 *
 * @example
 * emulator.conversation(convId)?.rings.find((r) => r.username === 'bot')?.ringState; // 'WAITING'
 */
export interface RingSnapshot {
  readonly ringId: string;
  readonly username: string;
  readonly ringState: RingState;
  readonly routingTaskId: string;
}

/**
 * A copy of a conversation's server-side state, for assertions. Later changes do not affect it.
 *
 * @example
 * const snapshot = emulator.conversation(consumer.convId);
 * snapshot?.details.participants.ASSIGNED_AGENT; // ['12345678.4411']
 */
export interface ConversationSnapshot {
  readonly convId: string;
  /** The account the conversation belongs to (its `brandId`). */
  readonly accountId: string;
  readonly consumerId: string;
  readonly skillId: string;
  readonly state: ConversationState;
  readonly closeReason?: CloseReason;
  /** `conversationDetails` exactly as ExConversationChangeNotification subscribers get it. */
  readonly details: ConversationDetails;
  /** The whole record subscribers get (details, unread counts, last content event). */
  readonly result: ExConversationResult;
  /** Every stored (sequenced) event of every dialog, in order. */
  readonly events: readonly KnownEventRecord[];
  /** Every ring of every routing task of this conversation. */
  readonly rings: readonly RingSnapshot[];
}

/**
 * A running emulator: a real HTTP + websocket server on 127.0.0.1 speaking LivePerson's Messaging
 * Agent API, and the controls tests drive it with.
 *
 * @example
 * const emulator = await startEmulator({ seed: 1 });
 * const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
 * const other = emulator.addAccount(); // a second, isolated account
 * const otherCreds = emulator.addAgent({ username: 'bot', password: 'secret', accountId: other });
 * // ... createAgent(creds), emulator.consumer({ accountId: other }), assertions ...
 * await emulator.close();
 */
export interface Emulator {
  /** `127.0.0.1:PORT`: the CSDS domain and every service host (plain http/ws on loopback). */
  readonly host: string;
  /** The first (default) account. */
  readonly accountId: string;
  /** Every account id, the first one first. */
  readonly accounts: readonly string[];
  /** With `tls`: the self-signed certificate (PEM) the emulator serves; trust it as a CA. */
  readonly ca?: string;
  /**
   * Adds an account with its own CSDS answers, agents, conversations, routing and subscriptions,
   * nothing shared with the others. Returns its id: `accountId`, or a seeded 8-digit one.
   * Throws if the account exists.
   */
  addAccount(accountId?: string): string;
  /**
   * Adds an agent user to `options.accountId` (default the first account); returns password
   * credentials carrying that account. Throws if the username is taken in that account or the
   * account is unknown.
   */
  addAgent(options: AgentOptions): EmulatorCredentials;
  /**
   * The agent's OAuth1 keys. Like every method taking a username: `accountId` picks the account;
   * without it, the only agent with that username, or the first account's one when several
   * accounts have it (throws if none of them is in the first account).
   */
  oauthCredentials(username: string, accountId?: string): EmulatorOAuthCredentials;
  /** The agent's SAML credentials (a login with `assertion`). */
  assertionCredentials(username: string, accountId?: string): EmulatorAssertionCredentials;
  /** A fresh valid bearer for the agent, without a login. */
  issueToken(username: string, accountId?: string): EmulatorTokenCredentials;
  /** The agent's ids: user id, legacy id `accountId.userId` and PId. */
  agentIdentity(username: string, accountId?: string): AgentIdentity;
  /** Opens a conversation for a new consumer in `options.accountId` (default the first) and rings that account's eligible agents. */
  consumer(options?: ConsumerOptions): Promise<Consumer>;
  /** A consumer handle on an existing conversation (e.g. one an agent opened proactively). */
  consumerOf(convId: string): Consumer;
  /** A copy of a conversation's state, or undefined when there is none with this id. */
  conversation(convId: string): ConversationSnapshot | undefined;
  /** Closes every agent socket with this code; 1006 (the default) terminates without a close frame. */
  dropConnections(code?: number): void;
  /** Every bearer and login session becomes invalid; open sockets are closed with 4401. */
  expireTokens(): void;
  /** Sends raw text, unchanged, to every open agent socket (or only those of `username` and/or `accountId`). */
  injectFrame(rawText: string, options?: { username?: string; accountId?: string }): void;
  /**
   * Sends many raw frames, unchanged and in order, in one socket write per socket: a producer cheap
   * enough that a benchmark measures the client. Frames from {@link prepareFrames}, encoded before
   * the clock starts, cost nothing more than the write.
   */
  injectFrames(frames: readonly string[] | PreparedFrames, options?: { username?: string; accountId?: string }): void;
  readonly faults: Faults;
  /** Number of open agent sockets: of all, of agents named `username`, of one account's agents (or both). */
  connections(username?: string, accountId?: string): number;
  /**
   * Every decoded request received, as it arrives (hot, no replay: `firstValueFrom` waits for the
   * next one, never matches an old one). Completes when the emulator closes.
   */
  readonly requests$: Observable<ReceivedRequest>;
  /**
   * Agent sessions (websockets) opening and ending, as they happen (hot). An `open` with
   * `overlapped: true` found another session of the same user still live: with leases working,
   * that never happens. Completes when the emulator closes.
   */
  readonly sessions$: Observable<SessionEvent>;
  /** How many session openings found another session of the same user still live (see `sessions$`). */
  overlaps(): number;
  /** Every conversation the emulator still remembers (open ones, and closed ones within `retention`), oldest first. */
  conversations(): ConversationSnapshot[];
  /** Every agent of every account: identity, skills, availability and open sockets (no secrets). */
  agents(): AgentSnapshot[];
  /**
   * Turns recording of websocket frames on or off (on with `recordFrames: true`, as `lp-emulator`
   * does). While on, `frames()` keeps the last 1 000 and `frames$` streams them.
   */
  recordFrames(on?: boolean): void;
  /** The frames recorded so far (the last 1 000), oldest first. */
  frames(): FrameRecord[];
  /** Frames as they are recorded (hot). Completes when the emulator closes. */
  readonly frames$: Observable<FrameRecord>;
  /** Closes every socket of one agent user with 4409, as a second login elsewhere would. */
  kick(username: string, accountId?: string): void;
  /** Stops everything: sockets, server, timers; completes every stream. Idempotent. */
  close(): Promise<void>;
}

/**
 * One websocket frame, as the emulator's frame inspector shows it.
 *
 * @example
 * emulator.frames$.subscribe((f) => console.log(f.direction, f.username, f.type));
 */
export interface FrameRecord {
  readonly id: number;
  readonly at: number;
  readonly username: string;
  readonly accountId: string;
  /** `in`: from the agent to the emulator; `out`: to the agent. */
  readonly direction: 'in' | 'out';
  /** The frame's `type` (request, response or notification type), `?` when it has none. */
  readonly type: string;
  readonly text: string;
}

/**
 * An agent as the control API and the console list it: no password, no keys.
 *
 * @example
 * emulator.agents().filter((a) => a.connections > 0).map((a) => a.username);
 */
export interface AgentSnapshot {
  readonly username: string;
  readonly accountId: string;
  readonly legacyId: string;
  readonly userPid: string;
  readonly nickname: string;
  readonly skills: readonly string[];
  /** The availability it last set (`undefined` before it set one). */
  readonly availability?: string;
  /** Open websockets. */
  readonly connections: number;
}

/**
 * An agent session opening or ending, as the emulator sees it.
 *
 * @example
 * emulator.sessions$.subscribe((s) => s.overlapped && console.warn(`${s.username} had two sessions`));
 */
export interface SessionEvent {
  readonly type: 'open' | 'close';
  readonly username: string;
  readonly accountId: string;
  /** This user's live sessions after the event. */
  readonly live: number;
  /** On `open`: another session of this user was still live. */
  readonly overlapped: boolean;
  /** When (ms since the epoch). */
  readonly at: number;
}
