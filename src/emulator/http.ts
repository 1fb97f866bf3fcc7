import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentRecord, EmulatorState } from './state.js';

/**
 * The CSDS services the emulator lists; every one points at the emulator itself.
 *
 * @example
 * CSDS_SERVICES.includes('facadeMsg'); // true
 */
export const CSDS_SERVICES: readonly string[] = [
  'agentVep',
  'facadeMsg',
  'asyncMessagingEnt',
  'msgHist',
  'accountConfigReadOnly',
  'idp',
  'runtimeFormLogic',
  'agentManagerWorkspace',
  'sentinel',
];

const maxBodyBytes = 1024 * 1024;

const PasswordLogin = t.type({ username: t.string, password: t.string });
const OAuthLogin = t.type({ username: t.string, appKey: t.string, secret: t.string, accessToken: t.string, accessTokenSecret: t.string });
const AssertionLogin = t.type({ assertion: t.string });
const SessionBody = t.type({ csrf: t.string });

type ErrorStatus = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS';

/**
 * HTTP faults, toggled by `emulator.faults`.
 *
 * @example
 * const faults: HttpFaults = { refreshUnauthorized: false, rateLimitedLogins: 0 };
 */
export interface HttpFaults {
  /** Refresh answers 401 whatever it is sent. */
  refreshUnauthorized: boolean;
  /** How many of the next logins answer 429 with `Retry-After: 1`. */
  rateLimitedLogins: number;
}

/**
 * The emulator's REST side: CSDS (`/api/account/{acc}/service[/{name}]/baseURI.json`) and agentVep
 * (`login`, `refresh`, `logout` under `/api/account/{acc}/`), as PROTOCOL.md §1.1-1.3 describe.
 * Errors are `{error: {time, message, internalCode, responseStatus}}`; no answer ever contains a
 * password, key or assertion that was sent.
 *
 * @example
 * const server = http.createServer(createHttpHandler(state, () => host));
 */
export function createHttpHandler(
  state: EmulatorState,
  host: () => string,
  faults: HttpFaults = { refreshUnauthorized: false, rateLimitedLogins: 0 },
): (req: IncomingMessage, res: ServerResponse) => void {
  const baseURIs = (account: string) => CSDS_SERVICES.map((service) => ({ service, account, baseURI: host() }));

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const csds = /^\/api\/account\/([^/]+)\/service\/(?:([^/]+)\/)?baseURI\.json$/.exec(url.pathname);
    if (csds && req.method === 'GET') {
      const [, account = '', service] = csds;
      if (!state.hasAccount(account)) return sendError(res, 404, `Account ${account} not found`, 'NOT_FOUND');
      if (service === undefined) return sendJson(res, 200, { baseURIs: baseURIs(account) });
      const one = baseURIs(account).find((b) => b.service === service);
      return one ? sendJson(res, 200, one) : sendError(res, 404, `Service ${service} not found`, 'NOT_FOUND');
    }
    const agentVep = /^\/api\/account\/([^/]+)\/(login|refresh|logout)$/.exec(url.pathname);
    if (!agentVep || req.method !== 'POST') return sendError(res, 404, 'Not found', 'NOT_FOUND');
    const [, account = '', action] = agentVep;
    const body = await readJson(req);
    if (body === tooLarge) return sendError(res, 413, 'Request body too large', 'PAYLOAD_TOO_LARGE');
    if (!state.hasAccount(account)) return sendError(res, 401, 'Unauthorized account', 'UNAUTHORIZED');
    if (action === 'login') return login(res, account, body);
    return sessionAction(req, res, account, body, action === 'logout');
  };

  const login = (res: ServerResponse, account: string, body: unknown): void => {
    if (faults.rateLimitedLogins > 0) {
      faults.rateLimitedLogins--;
      res.setHeader('Retry-After', '1');
      return sendError(res, 429, 'Too many requests', 'TOO_MANY_REQUESTS');
    }
    const agent = authenticate(state, account, body);
    if (agent === 'malformed') return sendError(res, 400, 'Bad request: expected username/password, OAuth keys or an assertion', 'BAD_REQUEST');
    if (!agent) return sendError(res, 401, 'Authentication failed: invalid credentials', 'UNAUTHORIZED', 25);
    const session = state.openSession(agent);
    res.setHeader('Set-Cookie', `Session_id=${session.sessionId}; Path=/; HttpOnly`);
    sendJson(res, 200, {
      csrf: session.csrf,
      wsuk: state.random.hex(32),
      config: {
        loginName: agent.username,
        userId: agent.userId,
        userPid: agent.userPid,
        userPrivileges: [1, 6, 1501, 1502],
        serverCurrentTime: state.clock.now(),
        timeDiff: 0,
        serverTimeZoneName: 'UTC',
        serverTimeGMTDiff: 0,
        isLPA: false,
        isAdmin: false,
        accountTimeZoneId: 'UTC',
      },
      csdsCollectionResponse: { baseURIs: baseURIs(account) },
      accountData: { agentGroupsData: { items: [{ id: -1, deleted: false, name: 'Main Group' }], revision: 1 } },
      sessionTTl: '28800000',
      bearer: session.bearer,
    });
  };

  const sessionAction = (req: IncomingMessage, res: ServerResponse, account: string, body: unknown, logout: boolean): void => {
    const decoded = SessionBody.decode(body);
    const found = state.session(cookie(req, 'Session_id') ?? '');
    // A session of another account's agent does not exist for this account.
    const session = found?.agent.accountId === account ? found : undefined;
    if (isLeft(decoded) || !session || session.csrf !== decoded.right.csrf || (faults.refreshUnauthorized && !logout)) {
      return sendError(res, 401, 'CSRF token invalid! Request is not authorized.', 'UNAUTHORIZED', 10);
    }
    if (logout) state.endSession(session);
    res.writeHead(200, { 'Content-Length': '0' }).end();
  };

  return (req, res) => {
    if (allowCors(req, res)) return;
    route(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 400, 'Bad request', 'BAD_REQUEST');
      else res.destroy();
    });
  };
}

/**
 * The agent of `account` these login credentials belong to (another account's agent never logs in
 * here); `'malformed'` when the body is none of the three kinds.
 */
function authenticate(state: EmulatorState, account: string, body: unknown): AgentRecord | undefined | 'malformed' {
  const agents = [...state.agents.values()].filter((a) => a.accountId === account);
  const assertion = AssertionLogin.decode(body);
  if (!isLeft(assertion)) return agents.find((a) => a.assertion === assertion.right.assertion);
  const oauth = OAuthLogin.decode(body);
  if (!isLeft(oauth)) {
    const { username, appKey, secret, accessToken, accessTokenSecret } = oauth.right;
    const agent = state.findAgent(account, username);
    const keys = agent?.oauth;
    const match =
      keys !== undefined &&
      keys.appKey === appKey &&
      keys.secret === secret &&
      keys.accessToken === accessToken &&
      keys.accessTokenSecret === accessTokenSecret;
    return match ? agent : undefined;
  }
  const password = PasswordLogin.decode(body);
  if (!isLeft(password)) {
    const agent = state.findAgent(account, password.right.username);
    return agent && agent.password === password.right.password ? agent : undefined;
  }
  return 'malformed';
}

/** Matches `http(s)://` origins on the loopback interface: 127.0.0.0/8, `localhost`, `[::1]`. */
const loopbackOrigin = /^https?:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/;

/**
 * CORS, so that a page served from another loopback port (a dev server, a test page) can call CSDS
 * and login: a loopback `Origin` is echoed in `Access-Control-Allow-Origin` (other origins get no
 * CORS headers, so browsers refuse them), `Retry-After` is exposed, and an `OPTIONS` preflight is
 * answered 204 here. Returns true when the request was a preflight and has been answered.
 */
function allowCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && loopbackOrigin.test(origin);
  res.setHeader('Vary', 'Origin');
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  }
  if (req.method !== 'OPTIONS') return false;
  if (allowed) {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Accept, Content-Type, Authorization, User-Agent');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  req.resume();
  res.writeHead(204, { 'Content-Length': '0' }).end();
  return true;
}

export const tooLarge = Symbol('tooLarge');

/** The body parsed as JSON; `undefined` when it is not JSON, `tooLarge` past 1 MiB. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Reads to the end even past the limit: stopping early would tear the socket down before the 413.
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size <= maxBodyBytes) chunks.push(buffer);
  }
  if (size > maxBodyBytes) return tooLarge;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }).end(text);
}

function sendError(res: ServerResponse, status: number, message: string, responseStatus: ErrorStatus, internalCode = status): void {
  sendJson(res, status, { error: { time: Date.now(), message, internalCode, responseStatus } });
}
