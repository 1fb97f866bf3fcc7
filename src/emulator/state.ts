import { ReplaySubject } from 'rxjs';
import type {
  Availability,
  ChannelType,
  ClosedBy,
  CloseReason,
  ConversationState,
  DialogType,
  EventRecord,
  RingState,
  Role,
  Ttr,
} from '../protocol/index.js';
import type { Random } from './random.js';
import type { AgentOptions, ConsumerOptions } from './types.js';

/**
 * Wall-clock time for timestamps, plus `tick()`: strictly increasing per emulator, for values
 * clients compare or use as keys (`metaDataLastUpdateTs`, the epoch part of ring ids).
 *
 * @example
 * const clock = createClock();
 * clock.tick() < clock.tick(); // true, even within one millisecond
 */
export interface Clock {
  now(): number;
  tick(): number;
}

/**
 * A clock whose `tick()` never repeats.
 *
 * @example
 * const clock = createClock();
 * const ringId = `${convId}_${accountId}_${clock.tick()}`;
 */
export function createClock(): Clock {
  let last = 0;
  return {
    now: () => Date.now(),
    tick: () => (last = Math.max(Date.now(), last + 1)),
  };
}

/**
 * An agent user and its live availability.
 *
 * @example
 * const agent: AgentRecord = state.agent('bot');
 * agent.legacyId; // '12345678.4411'
 */
export interface AgentRecord {
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
  /** Stored (sequenced) events, ascending. */
  readonly events: EventRecord[];
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
  timer?: ReturnType<typeof setTimeout>;
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
  delay?: { type: 'NIGHT' | 'WEEKEND' | 'HOLIDAY'; tillWhen: number };
  manualETTR?: number;
  note?: string;
  csatRate?: number;
  readonly context: Record<string, unknown>;
  lastContentEvent?: EventRecord;
  /** The current routing task, and the finished ones before it. */
  readonly tasks: TaskRecord[];
  /** What the consumer sees. */
  readonly received: ReplaySubject<EventRecord>;
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
  readonly username: string;
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
 * Everything one emulator knows: its account's agents, bearers and sessions, consumers and
 * conversations. One per emulator; nothing is shared between instances.
 *
 * @example
 * const state = new EmulatorState('12345678', createRandom(1), createClock());
 * const agent = state.addAgent({ username: 'bot', password: 'secret' });
 */
export class EmulatorState {
  readonly agents = new Map<string, AgentRecord>();
  readonly consumers = new Map<string, ConsumerRecord>();
  readonly conversations = new Map<string, ConversationRecord>();
  private readonly byLegacyId = new Map<string, AgentRecord>();
  private readonly byDialogId = new Map<string, ConversationRecord>();
  private readonly tokens = new Map<string, string>();
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(
    readonly accountId: string,
    readonly random: Random,
    readonly clock: Clock,
  ) {}

  addAgent(options: AgentOptions): AgentRecord {
    if (this.agents.has(options.username)) throw new Error(`agent ${options.username} already exists`);
    let userId = this.random.digits(10);
    while (this.byLegacyId.has(`${this.accountId}.${userId}`)) userId = this.random.digits(10);
    const agent: AgentRecord = {
      username: options.username,
      password: options.password,
      skills: [...(options.skills ?? ['-1'])],
      nickname: options.nickname ?? options.username,
      userId,
      userPid: this.random.uuid(),
      legacyId: `${this.accountId}.${userId}`,
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
    this.agents.set(agent.username, agent);
    this.byLegacyId.set(agent.legacyId, agent);
    return agent;
  }

  /** The agent with this username; throws for an unknown one (a test's mistake). */
  agent(username: string): AgentRecord {
    const agent = this.agents.get(username);
    if (!agent) throw new Error(`no agent ${JSON.stringify(username)} in this emulator`);
    return agent;
  }

  /** An agent by legacy id (`accountId.userId`) or PId. */
  agentById(id: string): AgentRecord | undefined {
    return this.byLegacyId.get(id) ?? [...this.agents.values()].find((a) => a.userPid === id);
  }

  issueToken(agent: AgentRecord): string {
    const bearer = this.random.hex(64);
    this.tokens.set(bearer, agent.username);
    return bearer;
  }

  tokenOwner(bearer: string): AgentRecord | undefined {
    const username = this.tokens.get(bearer);
    return username === undefined ? undefined : this.agents.get(username);
  }

  openSession(agent: AgentRecord): SessionRecord {
    const session = { sessionId: this.random.hex(32), csrf: this.random.hex(32), bearer: this.issueToken(agent), username: agent.username };
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

  /** A new OPEN conversation with the consumer as its only participant and an open MAIN dialog. */
  openConversation(consumer: ConsumerRecord, skillId: string, context: Record<string, unknown>): ConversationRecord {
    const convId = this.random.uuid();
    const ts = this.clock.tick();
    const conv: ConversationRecord = {
      convId,
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
      received: new ReplaySubject<EventRecord>(),
    };
    this.conversations.set(convId, conv);
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

  /** The conversation a dialog belongs to. */
  conversationOfDialog(dialogId: string): ConversationRecord | undefined {
    return this.byDialogId.get(dialogId);
  }
}
