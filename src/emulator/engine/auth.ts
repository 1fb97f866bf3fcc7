import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
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

/** Largest request body read, in bytes; past it the answer is 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

const PasswordLogin = t.type({ username: t.string, password: t.string });
const OAuthLogin = t.type({ username: t.string, appKey: t.string, secret: t.string, accessToken: t.string, accessTokenSecret: t.string });
const AssertionLogin = t.type({ assertion: t.string });
const SessionBody = t.type({ csrf: t.string });

type ErrorStatus = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS';

/**
 * An HTTP request as the engine reads it, whatever carried it (node:http, an in-memory `fetch`).
 *
 * @example
 * const request: PlainRequest = { method: 'GET', url: '/api/account/12345678/service/baseURI.json', headers: {}, body: '' };
 */
export interface PlainRequest {
  readonly method: string;
  /** Path and query (an absolute URL works too). */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** The body was longer than {@link MAX_BODY_BYTES} (and `body` holds only its start). */
  readonly bodyTooLarge?: boolean;
}

/**
 * The engine's answer to a {@link PlainRequest}.
 *
 * @example
 * const answer: PlainAnswer = { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' };
 */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

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

/** Matches `http(s)://` origins on the loopback interface: 127.0.0.0/8, `localhost`, `[::1]`. */
const loopbackOrigin = /^https?:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/;

/**
 * The emulator's REST side as a function: CSDS (`/api/account/{acc}/service[/{name}]/baseURI.json`)
 * and agentVep (`login`, `refresh`, `logout` under `/api/account/{acc}/`), as PROTOCOL.md §1.1-1.3
 * describe. Errors are `{error: {time, message, internalCode, responseStatus}}`; no answer ever
 * contains a password, key or assertion that was sent. CORS: a loopback `Origin` is echoed in
 * `Access-Control-Allow-Origin` (other origins get no CORS headers), `Retry-After` is exposed, and
 * an `OPTIONS` preflight is answered 204.
 *
 * @example
 * const answer = createAuthService(state, () => host)({ method: 'GET', url: '/api/account/12345678/service/baseURI.json', headers: {}, body: '' });
 * answer.status; // 200
 */
export function createAuthService(
  state: EmulatorState,
  host: () => string,
  faults: HttpFaults = { refreshUnauthorized: false, rateLimitedLogins: 0 },
): (request: PlainRequest) => PlainAnswer {
  const baseURIs = (account: string) => CSDS_SERVICES.map((service) => ({ service, account, baseURI: host() }));
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): PlainAnswer => ({
    status,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const error = (status: number, message: string, responseStatus: ErrorStatus, internalCode = status, headers: Record<string, string> = {}): PlainAnswer =>
    json(status, { error: { time: state.clock.now(), message, internalCode, responseStatus } }, headers);

  const login = (account: string, body: unknown): PlainAnswer => {
    if (faults.rateLimitedLogins > 0) {
      faults.rateLimitedLogins--;
      return error(429, 'Too many requests', 'TOO_MANY_REQUESTS', 429, { 'Retry-After': '1' });
    }
    const agent = authenticate(state, account, body);
    if (agent === 'malformed') return error(400, 'Bad request: expected username/password, OAuth keys or an assertion', 'BAD_REQUEST');
    if (!agent) return error(401, 'Authentication failed: invalid credentials', 'UNAUTHORIZED', 25);
    const session = state.openSession(agent);
    return json(
      200,
      {
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
      },
      { 'Set-Cookie': `Session_id=${session.sessionId}; Path=/; HttpOnly` },
    );
  };

  const sessionAction = (request: PlainRequest, account: string, body: unknown, logout: boolean): PlainAnswer => {
    const decoded = SessionBody.decode(body);
    const found = state.session(cookie(request.headers.cookie, 'Session_id') ?? '');
    // A session of another account's agent does not exist for this account.
    const session = found?.agent.accountId === account ? found : undefined;
    if (isLeft(decoded) || !session || session.csrf !== decoded.right.csrf || (faults.refreshUnauthorized && !logout)) {
      return error(401, 'CSRF token invalid! Request is not authorized.', 'UNAUTHORIZED', 10);
    }
    if (logout) state.endSession(session);
    return { status: 200, headers: {}, body: '' };
  };

  const route = (request: PlainRequest): PlainAnswer => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const csds = /^\/api\/account\/([^/]+)\/service\/(?:([^/]+)\/)?baseURI\.json$/.exec(url.pathname);
    if (csds && request.method === 'GET') {
      const [, account = '', service] = csds;
      if (!state.hasAccount(account)) return error(404, `Account ${account} not found`, 'NOT_FOUND');
      if (service === undefined) return json(200, { baseURIs: baseURIs(account) });
      const one = baseURIs(account).find((b) => b.service === service);
      return one ? json(200, one) : error(404, `Service ${service} not found`, 'NOT_FOUND');
    }
    const agentVep = /^\/api\/account\/([^/]+)\/(login|refresh|logout)$/.exec(url.pathname);
    if (!agentVep || request.method !== 'POST') return error(404, 'Not found', 'NOT_FOUND');
    const [, account = '', action] = agentVep;
    if (request.bodyTooLarge) return error(413, 'Request body too large', 'PAYLOAD_TOO_LARGE');
    const body = parseJson(request.body);
    if (!state.hasAccount(account)) return error(401, 'Unauthorized account', 'UNAUTHORIZED');
    if (action === 'login') return login(account, body);
    return sessionAction(request, account, body, action === 'logout');
  };

  return (request) => {
    const origin = request.headers.origin;
    const allowed = origin !== undefined && loopbackOrigin.test(origin);
    const cors: Record<string, string> = { Vary: 'Origin', ...(allowed ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After' } : {}) };
    if (request.method === 'OPTIONS') {
      const preflight: Record<string, string> = allowed
        ? {
            'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
            'Access-Control-Allow-Headers': 'Accept, Content-Type, Authorization, User-Agent',
            'Access-Control-Max-Age': '600',
          }
        : {};
      return { status: 204, headers: { ...cors, ...preflight }, body: '' };
    }
    let answer: PlainAnswer;
    try {
      answer = route(request);
    } catch {
      answer = error(400, 'Bad request', 'BAD_REQUEST');
    }
    return { ...answer, headers: { ...cors, ...answer.headers } };
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

/** The body parsed as JSON; `undefined` when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
