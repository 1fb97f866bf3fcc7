import { SESSION_TAKEN_OVER_CODE } from '../domain/errors.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { generate } from 'selfsigned';
import { WebSocketServer } from 'ws';
import { canonicalRequestType } from '../protocol/index.js';
import { AgentConnection } from './connection.js';
import { consumerHandle } from './consumer.js';
import { EmulatorCore } from './core.js';
import { createHttpHandler, type HttpFaults } from './http.js';
import { createControlHandler } from './control.js';
import { conversationDetails, conversationResult } from './records.js';
import { createRandom } from './random.js';
import { createClock, EmulatorState, type AgentRecord } from './state.js';
import type { ConversationSnapshot, Emulator, EmulatorOptions, Faults } from './types.js';
import { isPrepared, prepareFrames } from './wireFrames.js';

const wsPath = /^\/ws_api\/account\/([^/]+)\/messaging\/brand\/([^/]+)$/;

/**
 * Starts an emulator: a real HTTP and websocket server on 127.0.0.1 speaking LivePerson's
 * Messaging Agent API (CSDS, login, refresh, the brand websocket with routing, conversations and
 * messaging), plus controls to add agents, simulate consumers and inject faults. Instances share
 * nothing; `close()` leaves no server, socket or timer behind.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, seed: 1 });
 * const creds = emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
 * const consumer = await emulator.consumer({ skillId: '-1' });
 * await consumer.send('hello');
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const accountId = options.accountId ?? '12345678';
  const state = new EmulatorState(accountId, createRandom(options.seed ?? 1), createClock());
  const core = new EmulatorCore(state, { ringExpiration: options.ringExpiration ?? 72_000, postSurvey: options.postSurvey ?? false, eventConversationId: options.eventConversationId ?? false, retention: options.retention ?? 600_000 });
  let host = '';
  const certificate = options.tls ? await selfSignedCertificate() : undefined;
  const httpFaults: HttpFaults = { refreshUnauthorized: false, rateLimitedLogins: 0 };
  const rest = createHttpHandler(state, () => host, httpFaults);
  // The control API and the console, on the same port; bound once the emulator object exists.
  const bound: { control?: (req: IncomingMessage, res: ServerResponse) => boolean } = {};
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!bound.control?.(req, res)) rest(req, res);
  };
  const server: Server = certificate ? createTlsServer({ key: certificate.private, cert: certificate.cert }, handler) : createServer(handler);
  // Pongs are answered by AgentConnection, so that `faults.stopAnswering()` can withhold them.
  const wss = new WebSocketServer({ noServer: true, autoPong: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const match = wsPath.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (!match) return refuse(socket, 404, 'Not Found');
    const [, account, bearer] = match;
    const owner = bearer !== undefined && !core.closed ? state.tokenOwner(decodeURIComponent(bearer)) : undefined;
    // A bearer opens only its own agent's account: another account in the path is a 401.
    const agent = owner?.accountId === account ? owner : undefined;
    if (!agent || bearer === undefined) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (core.closed) return ws.terminate();
      core.sessionStarted(agent);
      // One live session per agent user, as LivePerson: the newcomer ends the others.
      if (options.sessionsPerUser !== 'many') {
        for (const old of core.hub.socketsOfAgent(agent)) old.close(SESSION_TAKEN_OVER_CODE, 'session taken over by another login');
      }
      new AgentConnection(ws, agent, bearer, core);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  const agentOf = (username: string, account?: string): AgentRecord => state.agent(username, account);
  const canonicalType = (type: string): ReturnType<typeof canonicalRequestType> | '*' => {
    const canonical = type === '*' ? '*' : canonicalRequestType(type);
    if (canonical === undefined) throw new Error(`unknown request type ${JSON.stringify(type)}`);
    return canonical;
  };
  // Its own stream, derived from the seed: random faults replay with the seed and never shift ids.
  const faultSeed = ((options.seed ?? 1) ^ 0x5eed) >>> 0;
  const faults: Faults = {
    delayResponses: (type, ms) => {
      const canonical = canonicalType(type);
      if (canonical !== undefined) (core.faults.delays ??= new Map()).set(canonical, ms);
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
      const canonical = type === '*' ? '*' : canonicalRequestType(type);
      if (canonical === undefined) throw new Error(`unknown request type ${JSON.stringify(type)}`);
      core.faults.dropped.add(canonical);
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
    clear: () => {
      core.faults.silent = false;
      core.faults.dropped.clear();
      core.faults.omitLastContent = false;
      core.faults.duplicateEvents = false;
      core.faults.delays?.clear();
      core.faults.reorderEvents = false;
      delete core.faults.random;
      delete core.faults.rateLimit;
      httpFaults.refreshUnauthorized = false;
      httpFaults.rateLimitedLogins = 0;
    },
  };
  let closing: Promise<void> | undefined;
  // What createAgent (and AuthOptions) need to reach a TLS emulator: wss/https and trust its cert.
  const trust = certificate ? { secure: true, ca: certificate.cert } : {};

  const emulator: Emulator = {
    host,
    accountId,
    get accounts() {
      return state.accounts;
    },
    ...(certificate ? { ca: certificate.cert } : {}),
    addAccount: (id) => state.addAccount(id),
    addAgent: (agentOptions) => {
      const agent = state.addAgent(agentOptions);
      return { accountId: agent.accountId, username: agent.username, password: agent.password, csdsDomain: host, ...trust };
    },
    oauthCredentials: (username, account) => {
      const agent = agentOf(username, account);
      return { accountId: agent.accountId, username, ...agent.oauth, csdsDomain: host, ...trust };
    },
    assertionCredentials: (username, account) => {
      const agent = agentOf(username, account);
      return { accountId: agent.accountId, assertion: agent.assertion, csdsDomain: host, ...trust };
    },
    issueToken: (username, account) => {
      const agent = agentOf(username, account);
      return { accountId: agent.accountId, token: state.issueToken(agent), userId: agent.userId, userPid: agent.userPid, csdsDomain: host, ...trust };
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
    kick: (username, account) => {
      for (const socket of core.hub.socketsOfAgent(agentOf(username, account))) socket.close(SESSION_TAKEN_OVER_CODE, 'session taken over by another login');
    },
    close: () => {
      closing ??= shutdown(core, wss, server);
      return closing;
    },
  };
  bound.control = createControlHandler(emulator, core);
  if (options.recordFrames) core.frames.enabled = true;
  return emulator;
}

async function shutdown(core: EmulatorCore, wss: WebSocketServer, server: Server): Promise<void> {
  core.dispose();
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A certificate for 127.0.0.1 and localhost, made at start (EC P-256: a few ms) and never stored. */
function selfSignedCertificate(): Promise<{ private: string; cert: string }> {
  return generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
}

/** Answers a refused upgrade with a bare HTTP status on the raw socket, then closes it. */
function refuse(socket: Duplex, status: number, text: string): void {
  const responseStatus = text.toUpperCase().replace(/ /g, '_');
  const body = JSON.stringify({ error: { time: Date.now(), message: text, internalCode: status, responseStatus } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
