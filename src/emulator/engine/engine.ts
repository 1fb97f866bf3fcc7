import type { SchedulerLike } from 'rxjs';
import { SESSION_TAKEN_OVER_CODE } from '../../domain/errors.js';
import { canonicalRequestType, type RequestType } from '../../protocol/index.js';
import type {
  ConversationSnapshot,
  Emulator,
  EmulatorAssertionCredentials,
  EmulatorCredentials,
  EmulatorOAuthCredentials,
  EmulatorOptions,
  EmulatorTokenCredentials,
  Faults,
} from '../types.js';
import { createAuthService, type HttpFaults, type PlainAnswer, type PlainRequest } from './auth.js';
import { createClock } from './clock.js';
import { consumerHandle } from './consumer.js';
import { EmulatorCore } from './core.js';
import { createRandom } from './random.js';
import { conversationDetails, conversationResult } from './records.js';
import { AgentSession, type SessionTransport } from './session.js';
import { EmulatorState, type AgentRecord } from './state.js';
import { isPrepared, prepareFrames } from './wireFrames.js';

/**
 * Options of the engine: `startEmulator`'s (minus the port and TLS, which are the server's) plus
 * where time comes from.
 *
 * @example
 * const engine = createEngine({ seed: 7, scheduler: new VirtualTimeScheduler(), epoch: Date.UTC(2024, 0, 1) });
 */
export interface EngineOptions extends Omit<EmulatorOptions, 'port' | 'tls'> {
  /** Where time is read and timers run. Default `asyncScheduler` (wall-clock time). */
  scheduler?: SchedulerLike;
  /** Added to `scheduler.now()` for every timestamp. Default 0. */
  epoch?: number;
}

/**
 * An `Emulator` whose credentials carry `X` too (TLS trust, or an in-memory transport).
 *
 * @example
 * const emulator: EmulatorWith<EmulatorTrust> = engine.emulator({ host, credentials: trust, close });
 */
export interface EmulatorWith<X extends object> extends Emulator {
  addAgent(options: Parameters<Emulator['addAgent']>[0]): EmulatorCredentials & X;
  oauthCredentials(username: string, accountId?: string): EmulatorOAuthCredentials & X;
  assertionCredentials(username: string, accountId?: string): EmulatorAssertionCredentials & X;
  issueToken(username: string, accountId?: string): EmulatorTokenCredentials & X;
}

/**
 * Why a websocket is refused before it opens: the HTTP status of the upgrade and its JSON body.
 *
 * @example
 * const refusal: Refusal = { status: 401, text: 'Unauthorized', body: '{"error":{...}}' };
 */
export interface Refusal {
  readonly status: number;
  readonly text: string;
  readonly body: string;
}

const wsPath = /^\/ws_api\/account\/([^/]+)\/messaging\/brand\/([^/]+)$/;

/**
 * The emulator's engine: accounts, agents, sessions, conversations, routing, rings, history and
 * faults, with no socket and no global clock. Adapters carry its sessions and HTTP answers:
 * `startEmulator` over node:http and ws, `createMemoryEmulator` in memory.
 *
 * @example
 * const engine = createEngine({ seed: 1, scheduler });
 * const admitted = engine.admit('/ws_api/account/12345678/messaging/brand/' + bearer);
 * if (!('status' in admitted)) engine.open(admitted, transport).receive(requestText);
 */
export interface Engine {
  readonly state: EmulatorState;
  readonly core: EmulatorCore;
  /** The REST side (CSDS, login, refresh, logout) as a function. */
  readonly http: (request: PlainRequest) => PlainAnswer;
  /** Checks a websocket path (`/ws_api/account/{acc}/messaging/brand/{bearer}`) and its bearer. */
  admit(path: string): { readonly agent: AgentRecord; readonly bearer: string } | Refusal;
  /**
   * Opens the session of an admitted websocket: counts it on `sessions$` and, unless
   * `sessionsPerUser: 'many'`, ends the user's older sessions with 4409.
   */
  open(admitted: { readonly agent: AgentRecord; readonly bearer: string }, transport: SessionTransport): AgentSession;
  /** The control surface, for an adapter that knows its host and how to close. */
  emulator<X extends object>(adapter: { host: string; ca?: string; credentials: X; close(): Promise<void> }): EmulatorWith<X>;
  /** Clears every timer and completes every stream. */
  dispose(): void;
}

/**
 * Builds an engine.
 *
 * @example
 * const engine = createEngine({ seed: 1 }); // wall-clock time
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const accountId = options.accountId ?? '12345678';
  const clock = createClock(options.scheduler, options.epoch ?? 0);
  const state = new EmulatorState(accountId, createRandom(options.seed ?? 1), clock);
  const core = new EmulatorCore(state, {
    ringExpiration: options.ringExpiration ?? 72_000,
    postSurvey: options.postSurvey ?? false,
    eventConversationId: options.eventConversationId ?? false,
    retention: options.retention ?? 600_000,
  });
  if (options.recordFrames) core.frames.enabled = true;
  const httpFaults: HttpFaults = { refreshUnauthorized: false, rateLimitedLogins: 0 };
  const hostRef = { host: '' };
  const http = createAuthService(state, () => hostRef.host, httpFaults);

  const refusal = (status: number, text: string): Refusal => ({
    status,
    text,
    body: JSON.stringify({ error: { time: clock.now(), message: text, internalCode: status, responseStatus: text.toUpperCase().replace(/ /g, '_') } }),
  });

  const kickAll = (agent: AgentRecord): void => {
    for (const socket of core.hub.socketsOfAgent(agent)) socket.close(SESSION_TAKEN_OVER_CODE, 'session taken over by another login');
  };

  return {
    state,
    core,
    http,
    admit: (path) => {
      const match = wsPath.exec(new URL(path, 'http://127.0.0.1').pathname);
      if (!match) return refusal(404, 'Not Found');
      const [, account, bearer] = match;
      const owner = bearer !== undefined && !core.closed ? state.tokenOwner(decodeURIComponent(bearer)) : undefined;
      // A bearer opens only its own agent's account: another account in the path is a 401.
      const agent = owner?.accountId === account ? owner : undefined;
      if (!agent || bearer === undefined) return refusal(401, 'Unauthorized');
      return { agent, bearer };
    },
    open: ({ agent, bearer }, transport) => {
      core.sessionStarted(agent);
      // One live session per agent user, as LivePerson: the newcomer ends the others.
      if (options.sessionsPerUser !== 'many') kickAll(agent);
      return new AgentSession(agent, bearer, core, transport);
    },
    emulator: (adapter) => {
      hostRef.host = adapter.host;
      return controls(state, core, httpFaults, options.seed ?? 1, adapter, kickAll);
    },
    dispose: () => core.dispose(),
  };
}

function controls<X extends object>(
  state: EmulatorState,
  core: EmulatorCore,
  httpFaults: HttpFaults,
  seed: number,
  adapter: { host: string; ca?: string; credentials: X; close(): Promise<void> },
  kickAll: (agent: AgentRecord) => void,
): EmulatorWith<X> {
  const { host, credentials } = adapter;
  const accountId = state.accountId;
  const agentOf = (username: string, account?: string): AgentRecord => state.agent(username, account);
  const canonicalType = (type: string): RequestType | '*' => {
    const canonical = type === '*' ? '*' : canonicalRequestType(type);
    if (canonical === undefined) throw new Error(`unknown request type ${JSON.stringify(type)}`);
    return canonical;
  };
  // Its own stream, derived from the seed: random faults replay with the seed and never shift ids.
  const faultSeed = (seed ^ 0x5eed) >>> 0;
  const faults: Faults = {
    delayResponses: (type, ms) => {
      (core.faults.delays ??= new Map()).set(canonicalType(type), ms);
    },
    refreshUnauthorized: (on = true) => {
      httpFaults.refreshUnauthorized = on;
    },
    loginRateLimited: (count = 1) => {
      httpFaults.rateLimitedLogins = count;
    },
    reorderEvents: (on = true) => {
      core.faults.reorderEvents = on;
    },
    random: ({ rate, kinds = ['dropResponse', 'delayResponse', 'dropConnection', 'duplicateEvent'] }) => {
      core.faults.random = { rate, kinds, random: createRandom(faultSeed) };
    },
    dropResponses: (type) => {
      core.faults.dropped.add(canonicalType(type));
    },
    omitLastContentEvent: () => {
      core.faults.omitLastContent = true;
    },
    duplicateEvents: () => {
      core.faults.duplicateEvents = true;
    },
    rateLimit: ({ perSecond, burst = perSecond }) => {
      core.faults.rateLimit = { perSecond, burst };
    },
    stopAnswering: () => {
      core.faults.silent = true;
      core.faults.dropped.add('*');
    },
    failNext: (type, fault) => {
      const key = canonicalType(type);
      const next = (core.faults.next ??= new Map());
      next.set(key, [...(next.get(key) ?? []), fault]);
    },
    clear: () => {
      core.faults.silent = false;
      core.faults.dropped.clear();
      core.faults.omitLastContent = false;
      core.faults.duplicateEvents = false;
      core.faults.delays?.clear();
      core.faults.next?.clear();
      core.faults.reorderEvents = false;
      delete core.faults.random;
      delete core.faults.rateLimit;
      httpFaults.refreshUnauthorized = false;
      httpFaults.rateLimitedLogins = 0;
    },
  };

  const emulator: EmulatorWith<X> = {
    host,
    accountId,
    get accounts() {
      return state.accounts;
    },
    ...(adapter.ca !== undefined ? { ca: adapter.ca } : {}),
    addAccount: (id) => state.addAccount(id),
    addAgent: (agentOptions) => {
      const agent = state.addAgent(agentOptions);
      return { accountId: agent.accountId, username: agent.username, password: agent.password, csdsDomain: host, ...credentials };
    },
    oauthCredentials: (username, account) => {
      const agent = agentOf(username, account);
      return { accountId: agent.accountId, username, ...agent.oauth, csdsDomain: host, ...credentials };
    },
    assertionCredentials: (username, account) => {
      const agent = agentOf(username, account);
      return { accountId: agent.accountId, assertion: agent.assertion, csdsDomain: host, ...credentials };
    },
    issueToken: (username, account) => {
      const agent = agentOf(username, account);
      return { accountId: agent.accountId, token: state.issueToken(agent), userId: agent.userId, userPid: agent.userPid, csdsDomain: host, ...credentials };
    },
    agentIdentity: (username, account) => {
      const { accountId: agentAccount, userId, legacyId, userPid } = agentOf(username, account);
      return { accountId: agentAccount, userId, legacyId, userPid };
    },
    consumer: async (consumerOptions = {}) => {
      if (core.closed) throw new Error('The emulator is closed');
      const account = consumerOptions.accountId ?? accountId;
      if (!state.hasAccount(account)) throw new Error(`no account ${account} in this emulator (addAccount first)`);
      const conv = core.openConversation(state.addConsumer(consumerOptions), consumerOptions.skillId ?? '-1', account);
      return consumerHandle(core, conv);
    },
    consumerOf: (convId) => {
      const conv = state.conversations.get(convId);
      if (!conv) throw new Error(`no conversation ${convId} in this emulator`);
      return consumerHandle(core, conv);
    },
    conversation: (convId) => {
      const conv = state.conversations.get(convId);
      if (!conv) return undefined;
      const snapshot: ConversationSnapshot = {
        convId: conv.convId,
        accountId: conv.accountId,
        consumerId: conv.consumerId,
        skillId: conv.skillId,
        state: conv.state,
        ...(conv.closeReason ? { closeReason: conv.closeReason } : {}),
        details: conversationDetails(conv, conv.accountId),
        result: conversationResult(conv, conv.accountId, { withLastContent: true }),
        events: conv.dialogs.flatMap((d) => d.events),
        rings: conv.tasks.flatMap((task) =>
          task.rings.map((r) => ({ ringId: r.ringId, username: r.agent.username, ringState: r.state, routingTaskId: task.routingTaskId })),
        ),
      };
      return structuredClone(snapshot);
    },
    dropConnections: (code = 1006) => {
      for (const socket of core.hub.socketsOf()) {
        if (code === 1006) socket.terminate();
        else socket.close(code, 'Connection dropped by the emulator');
      }
    },
    expireTokens: () => {
      state.expireTokens();
      for (const socket of core.hub.socketsOf()) socket.close(4401, 'Unauthorized');
    },
    injectFrame: (rawText, target = {}) => {
      for (const socket of core.hub.socketsOf(target)) socket.send(rawText);
    },
    injectFrames: (frames, target = {}) => {
      const prepared = isPrepared(frames) ? frames : prepareFrames(frames);
      for (const socket of core.hub.socketsOf(target)) socket.sendMany(prepared);
    },
    faults,
    connections: (username, account) => {
      const filter = { ...(username !== undefined ? { username } : {}), ...(account !== undefined ? { accountId: account } : {}) };
      return core.hub.socketsOf(filter).length;
    },
    requests$: core.requests.asObservable(),
    sessions$: core.sessions.asObservable(),
    overlaps: () => core.overlaps,
    conversations: () => [...state.conversations.keys()].flatMap((convId) => emulator.conversation(convId) ?? []),
    agents: () =>
      [...state.agents.values()].map((a) => ({
        username: a.username,
        accountId: a.accountId,
        legacyId: a.legacyId,
        userPid: a.userPid,
        nickname: a.nickname,
        skills: [...a.skills],
        ...(a.availability !== undefined ? { availability: a.availability } : {}),
        connections: core.hub.socketsOfAgent(a).length,
      })),
    recordFrames: (on = true) => {
      core.frames.enabled = on;
    },
    frames: () => [...core.frames.recent],
    frames$: core.frames.subject.asObservable(),
    kick: (username, account) => kickAll(agentOf(username, account)),
    close: () => adapter.close(),
  };
  return emulator;
}
