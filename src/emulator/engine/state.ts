import { Subject } from 'rxjs';
import type {
  DelayType,
  Availability,
  ChannelType,
  ClosedBy,
  CloseReason,
  ConversationState,
  DialogType,
  KnownEventRecord,
  RingState,
  Role,
  Ttr,
} from '../../protocol/index.js';
import type { Clock } from './clock.js';
import type { Random } from './random.js';
import type { AgentOptions, ConsumerOptions } from '../types.js';

/**
 * An agent user and its live availability.
 *
 * @example
 * const agent: AgentRecord = state.agent('bot');
 * agent.legacyId; // '12345678.4411'
 */
export interface AgentRecord {
  /** The account (brand) the agent belongs to. */
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
  readonly skills: readonly string[];
  readonly nickname: string;
  readonly userId: string;
  readonly userPid: string;
  readonly legacyId: string;
  readonly oauth: { readonly appKey: string; readonly secret: string; readonly accessToken: string; readonly accessTokenSecret: string };
  readonly assertion: string;
  availability?: Availability;
  description?: string;
}

/**
 * A simulated consumer's profile.
 *
 * @example
 * state.consumers.get(consumerId)?.firstName;
 */
export interface ConsumerRecord {
  readonly consumerId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
}

/**
 * An ACTIVE participant: `id` is the legacy id of an agent or the consumer id; `pid` the PId.
 *
 * @example
 * conv.participants.find((p) => p.role === 'ASSIGNED_AGENT')?.id;
 */
export interface ParticipantRecord {
  /** Mutable for the consumer, whose id changes when it steps up. */
  id: string;
  pid: string;
  role: Role;
}

/**
 * A dialog and its events. Its ACTIVE participants are the conversation's; only SUGGESTED ones
 * (transfer targets) are kept per dialog.
 *
 * @example
 * mainDialog(conv).lastSequence; // the last sequence assigned
 */
export interface DialogRecord {
  readonly dialogId: string;
  readonly dialogType: DialogType;
  readonly channelType: ChannelType;
  state: 'OPEN' | 'CLOSE';
  readonly creationTs: number;
  endTs?: number;
  metaDataLastUpdateTs: number;
  closedBy?: ClosedBy;
  closedCause?: string;
  /** Legacy ids of SUGGESTED assigned agents. */
  suggested: string[];
  /** The dialog's `metaData` (a survey dialog carries its survey's). */
  metaData?: Record<string, unknown>;
  /** Stored (sequenced) events, ascending. */
  readonly events: KnownEventRecord[];
  lastSequence: number;
}

/**
 * One ring: a routing task offered to one agent.
 *
 * @example
 * ring.state === 'WAITING';
 */
export interface RingRecord {
  readonly ringId: string;
  readonly agent: AgentRecord;
  state: RingState;
  readonly ringExpiration: number;
  readonly ringExpirationTs: number;
  readonly weight: number;
  timer?: { unsubscribe(): void };
}

/**
 * A routing task: the conversation waiting for an assigned agent, and the rings it made.
 *
 * @example
 * if (!task.completed) task.rings.filter((r) => r.state === 'WAITING');
 */
export interface TaskRecord {
  readonly routingTaskId: string;
  readonly skillId: string;
  completed: boolean;
  assignedAgentId?: string;
  readonly rings: RingRecord[];
  /** Agents never rung by this task (the ones who just transferred it away). */
  readonly excluded: ReadonlySet<string>;
  /** When set, only these agents are rung (a transfer to SUGGESTED agents). */
  readonly only?: ReadonlySet<string>;
  /** A transfer: OCCUPIED agents are rung too, not only ONLINE ones. */
  readonly transfer: boolean;
}

/**
 * A conversation as the server keeps it.
 *
 * @example
 * state.conversations.get(convId)?.state; // 'OPEN'
 */
export interface ConversationRecord {
  readonly convId: string;
  /** The account (brand) the conversation belongs to; only its agents ever see it. */
  readonly accountId: string;
  /** Changes when the consumer steps up (authenticates). */
  consumerId: string;
  skillId: string;
  state: ConversationState;
  stage: ConversationState;
  closeReason?: CloseReason;
  readonly startTs: number;
  endTs?: number;
  /** Changes with metadata (participants, state, skill, dialogs...). */
  metaDataLastUpdateTs: number;
  /** Changes with metadata and with every content event. */
  lastUpdateTime: number;
  readonly participants: ParticipantRecord[];
  readonly dialogs: DialogRecord[];
  ttr: Ttr;
  delay?: { type: DelayType; tillWhen: number };
  manualETTR?: number;
  note?: string;
  csatRate?: number;
  readonly context: Record<string, unknown>;
  lastContentEvent?: KnownEventRecord;
  /** The current routing task, and the finished ones before it. */
  readonly tasks: TaskRecord[];
  /** What the consumer sees as it happens (the stored events are in `dialogs`: one copy each). */
  readonly received: Subject<KnownEventRecord>;
}

/**
 * A login session: what refresh and logout check.
 *
 * @example
 * const session = state.openSession(agent); // session.bearer opens the websocket
 */
export interface SessionRecord {
  readonly sessionId: string;
  readonly csrf: string;
  readonly bearer: string;
  readonly agent: AgentRecord;
}

/**
 * The MAIN dialog (its id is the conversation id).
 *
 * @example
 * mainDialog(conv).dialogId === conv.convId; // true
 */
export function mainDialog(conv: ConversationRecord): DialogRecord {
  const main = conv.dialogs.find((d) => d.dialogType === 'MAIN') ?? conv.dialogs[0];
  if (!main) throw new Error(`conversation ${conv.convId} has no dialog`);
  return main;
}

/**
 * The current routing task, if the conversation has one.
 *
 * @example
 * currentTask(conv)?.completed; // false while rings are out
 */
export function currentTask(conv: ConversationRecord): TaskRecord | undefined {
  return conv.tasks[conv.tasks.length - 1];
}

/**
 * Everything one emulator knows: its accounts, their agents, bearers and sessions, consumers and
 * conversations. One per emulator; nothing is shared between instances. Agents and conversations
 * belong to one account each; `accountId` is the first (default) account.
 *
 * @example
 * const state = new EmulatorState('12345678', createRandom(1), createClock(scheduler));
 * const agent = state.addAgent({ username: 'bot', password: 'secret' });
 * const other = state.addAccount(); // a seeded 8-digit id
 * state.addAgent({ username: 'bot', password: 'secret', accountId: other }); // another 'bot'
 */
export class EmulatorState {
  /** Every agent of every account, keyed by `agentKey(accountId, username)`. */
  readonly agents = new Map<string, AgentRecord>();
  readonly consumers = new Map<string, ConsumerRecord>();
  readonly conversations = new Map<string, ConversationRecord>();
  /** Conversations not yet fully closed: what routing and agent-state changes scan. */
  readonly open = new Set<ConversationRecord>();
  /** Fully closed conversations, oldest first, with when they closed: forgotten after a retention. */
  private readonly closed = new Map<ConversationRecord, number>();
  /** Account ids in the order they were added; the first is `accountId`. */
  private readonly accountIds: string[];
  private readonly byLegacyId = new Map<string, AgentRecord>();
  private readonly byPid = new Map<string, AgentRecord>();
  private readonly byDialogId = new Map<string, ConversationRecord>();
  private readonly tokens = new Map<string, AgentRecord>();
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(
    readonly accountId: string,
    readonly random: Random,
    readonly clock: Clock,
  ) {
    this.accountIds = [accountId];
  }

  /** Every account id, the default one first. */
  get accounts(): readonly string[] {
    return [...this.accountIds];
  }

  hasAccount(accountId: string): boolean {
    return this.accountIds.includes(accountId);
  }

  /** Adds an account (a seeded 8-digit id when omitted) and returns its id; throws if it exists. */
  addAccount(accountId?: string): string {
    if (accountId !== undefined && this.hasAccount(accountId)) throw new Error(`account ${accountId} already exists`);
    let id = accountId ?? this.random.digits(8);
    while (accountId === undefined && this.hasAccount(id)) id = this.random.digits(8);
    this.accountIds.push(id);
    return id;
  }

  addAgent(options: AgentOptions): AgentRecord {
    const accountId = options.accountId ?? this.accountId;
    if (!this.hasAccount(accountId)) throw new Error(`no account ${accountId} in this emulator (addAccount first)`);
    const key = agentKey(accountId, options.username);
    if (this.agents.has(key)) throw new Error(`agent ${options.username} already exists in account ${accountId}`);
    let userId = this.random.digits(10);
    while (this.byLegacyId.has(`${accountId}.${userId}`)) userId = this.random.digits(10);
    const agent: AgentRecord = {
      accountId,
      username: options.username,
      password: options.password,
      skills: [...(options.skills ?? ['-1'])],
      nickname: options.nickname ?? options.username,
      userId,
      userPid: this.random.uuid(),
      legacyId: `${accountId}.${userId}`,
      oauth: {
        appKey: this.random.hex(32),
        secret: this.random.hex(16),
        accessToken: this.random.hex(32),
        accessTokenSecret: this.random.hex(16),
      },
      assertion: Buffer.from(
        `<saml:Assertion ID="_${this.random.hex(32)}"><saml:NameID>${options.username}</saml:NameID></saml:Assertion>`,
      ).toString('base64'),
    };
    this.agents.set(key, agent);
    this.byLegacyId.set(agent.legacyId, agent);
    this.byPid.set(agent.userPid, agent);
    return agent;
  }

  /** The agent of this account with this username, if any. */
  findAgent(accountId: string, username: string): AgentRecord | undefined {
    return this.agents.get(agentKey(accountId, username));
  }

  /**
   * The agent with this username in `accountId`; without it, the only agent with this username,
   * or the default account's one when several accounts have it. Throws for an unknown or
   * ambiguous one (a test's mistake).
   */
  agent(username: string, accountId?: string): AgentRecord {
    if (accountId !== undefined) {
      const agent = this.findAgent(accountId, username);
      if (!agent) throw new Error(`no agent ${JSON.stringify(username)} in account ${accountId}`);
      return agent;
    }
    const named = [...this.agents.values()].filter((a) => a.username === username);
    const agent = named.length === 1 ? named[0] : named.find((a) => a.accountId === this.accountId);
    if (agent) return agent;
    if (named.length > 1) throw new Error(`agent ${JSON.stringify(username)} exists in several accounts: pass an accountId`);
    throw new Error(`no agent ${JSON.stringify(username)} in this emulator`);
  }

  /** An agent by legacy id (`accountId.userId`) or PId; with `accountId`, only one of that account. */
  agentById(id: string, accountId?: string): AgentRecord | undefined {
    const agent = this.byLegacyId.get(id) ?? this.byPid.get(id);
    return agent && (accountId === undefined || agent.accountId === accountId) ? agent : undefined;
  }

  issueToken(agent: AgentRecord): string {
    const bearer = this.random.hex(64);
    this.tokens.set(bearer, agent);
    return bearer;
  }

  tokenOwner(bearer: string): AgentRecord | undefined {
    return this.tokens.get(bearer);
  }

  openSession(agent: AgentRecord): SessionRecord {
    const session = { sessionId: this.random.hex(32), csrf: this.random.hex(32), bearer: this.issueToken(agent), agent };
    this.sessions.set(session.sessionId, session);
    return session;
  }

  session(sessionId: string): SessionRecord | undefined {
    return this.sessions.get(sessionId);
  }

  endSession(session: SessionRecord): void {
    this.sessions.delete(session.sessionId);
    this.tokens.delete(session.bearer);
  }

  /** Forgets every bearer and session. */
  expireTokens(): void {
    this.tokens.clear();
    this.sessions.clear();
  }

  addConsumer(options: ConsumerOptions & { consumerId?: string } = {}): ConsumerRecord {
    const consumerId = options.consumerId ?? this.random.uuid();
    const existing = this.consumers.get(consumerId);
    if (existing) return existing;
    const n = this.consumers.size + 1;
    const consumer: ConsumerRecord = {
      consumerId,
      firstName: options.firstName ?? 'Consumer',
      lastName: options.lastName ?? String(n),
      email: options.email ?? `consumer${n}@example.com`,
      phone: options.phone ?? `+1555${String(n).padStart(7, '0')}`,
    };
    this.consumers.set(consumerId, consumer);
    return consumer;
  }

  /** A conversation is fully closed: it leaves the open set, and is forgotten `retention` ms later. */
  conversationClosed(conv: ConversationRecord): void {
    this.open.delete(conv);
    this.closed.set(conv, this.clock.now());
  }

  /** Forgets fully closed conversations older than `retention` ms (their events, dialogs, ids). */
  forgetClosed(retention: number): void {
    const before = this.clock.now() - retention;
    for (const [conv, at] of this.closed) {
      if (at > before) break;
      this.closed.delete(conv);
      this.conversations.delete(conv.convId);
      for (const d of conv.dialogs) this.byDialogId.delete(d.dialogId);
      conv.received.complete();
    }
  }

  /**
   * A new OPEN conversation in `accountId` (default the first account) with the consumer as its
   * only participant and an open MAIN dialog.
   */
  openConversation(consumer: ConsumerRecord, skillId: string, context: Record<string, unknown>, accountId = this.accountId): ConversationRecord {
    const convId = this.random.uuid();
    const ts = this.clock.tick();
    const conv: ConversationRecord = {
      convId,
      accountId,
      consumerId: consumer.consumerId,
      skillId,
      state: 'OPEN',
      stage: 'OPEN',
      startTs: ts,
      metaDataLastUpdateTs: ts,
      lastUpdateTime: ts,
      participants: [{ id: consumer.consumerId, pid: consumer.consumerId, role: 'CONSUMER' }],
      dialogs: [],
      ttr: { ttrType: 'NORMAL', value: 3600 },
      context,
      tasks: [],
      received: new Subject<KnownEventRecord>(),
    };
    this.conversations.set(convId, conv);
    this.open.add(conv);
    this.addDialog(conv, convId, 'MAIN', 'MESSAGING');
    return conv;
  }

  addDialog(conv: ConversationRecord, dialogId: string, dialogType: DialogType, channelType: ChannelType): DialogRecord {
    const ts = this.clock.tick();
    const dialog: DialogRecord = {
      dialogId,
      dialogType,
      channelType,
      state: 'OPEN',
      creationTs: ts,
      metaDataLastUpdateTs: ts,
      suggested: [],
      events: [],
      lastSequence: 0,
    };
    conv.dialogs.push(dialog);
    this.byDialogId.set(dialogId, conv);
    return dialog;
  }

  /** A conversation of this account, if any: other accounts' conversations do not exist for it. */
  conversationIn(accountId: string, convId: string): ConversationRecord | undefined {
    const conv = this.conversations.get(convId);
    return conv?.accountId === accountId ? conv : undefined;
  }

  /** The conversation a dialog belongs to. */
  conversationOfDialog(dialogId: string): ConversationRecord | undefined {
    return this.byDialogId.get(dialogId);
  }
}

/**
 * The key of an agent in `EmulatorState.agents`: usernames are unique per account, not per emulator.
 *
 * @example
 * state.agents.get(agentKey('12345678', 'bot'));
 */
export function agentKey(accountId: string, username: string): string {
  return `${accountId}\u0000${username}`;
}
