import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { AuthFailed } from '../../src/domain/errors.js';

// A loopback stand-in for CSDS and agentVep, strict about what it accepts so specs see real bodies.

export const ACCOUNT = '12345678';
export const USER_ID = '4411';
export const USER_PID = '2d9c8a1e-8b0f-4a8e-9a57-0f3c8c7b1d21';
export const BEARER = 'bearer-7f3a9c';
export const CSRF = 'csrf-5e1b77';
export const SESSION_ID = 'sess-81d0c2';

export const PASSWORD = { accountId: ACCOUNT, username: 'bot', password: 'pa55-Wrd-9q1' } as const;
export const OAUTH = {
  accountId: ACCOUNT,
  username: 'oauth-bot',
  appKey: 'appkey-1a2b',
  secret: 'secret-3c4d',
  accessToken: 'access-5e6f',
  accessTokenSecret: 'tokensecret-7a8b',
} as const;
export const ASSERTION = { accountId: ACCOUNT, assertion: 'PHNhbWxwOlJlc3BvbnNlPg-assertion' } as const;

/** The login bodies the server accepts, exactly. */
export const EXPECTED_LOGIN_BODIES: readonly unknown[] = [
  { username: PASSWORD.username, password: PASSWORD.password },
  {
    username: OAUTH.username,
    appKey: OAUTH.appKey,
    secret: OAUTH.secret,
    accessToken: OAUTH.accessToken,
    accessTokenSecret: OAUTH.accessTokenSecret,
  },
  { jwt: 'dummy', assertion: ASSERTION.assertion },
];

export type Route = 'csds' | 'login' | 'refresh' | 'logout';

export interface RecordedRequest {
  readonly route: Route | 'unknown';
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What the next request on a route gets instead of the normal answer. */
export interface Fault {
  readonly status?: number;
  /** Raw body; `echo` sends back `{error:{message: <the request body>}}` instead. */
  readonly body?: string;
  readonly echo?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** Never answer (for timeouts). */
  readonly hang?: boolean;
}

export interface FakeLivePerson {
  /** `127.0.0.1:{port}` */
  readonly host: string;
  readonly requests: RecordedRequest[];
  count(route: Route): number;
  failNext(route: Route, fault: Fault): void;
  reset(): void;
  close(): Promise<void>;
}

const routes: ReadonlyArray<readonly [RegExp, Route]> = [
  [/^\/api\/account\/[^/]+\/service\/baseURI\.json\?version=1\.0$/, 'csds'],
  [/^\/api\/account\/[^/]+\/login\?v=1\.3$/, 'login'],
  [/^\/api\/account\/[^/]+\/refresh\?v=1\.3$/, 'refresh'],
  [/^\/api\/account\/[^/]+\/logout\?v=1\.3$/, 'logout'],
];

export async function startFakeLivePerson(): Promise<FakeLivePerson> {
  const requests: RecordedRequest[] = [];
  const faults = new Map<Route, Fault[]>();
  let host = '';

  const server = createServer((req, res) => {
    readBody(req).then((raw) => {
      const url = req.url ?? '';
      const route = routes.find(([pattern]) => pattern.test(url))?.[1] ?? 'unknown';
      const body = parseJson(raw);
      requests.push({ route, method: req.method ?? '', url, headers: req.headers, body });
      const fault = route === 'unknown' ? undefined : faults.get(route)?.shift();
      if (fault?.hang) return;
      if (fault !== undefined) {
        const text = fault.echo ? JSON.stringify({ error: { message: `rejected ${raw}`, internalCode: 2 } }) : (fault.body ?? '');
        return reply(res, fault.status ?? 200, text, fault.headers);
      }
      answer(route, req, body, res, url, host);
    }, () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    requests,
    count: (route) => requests.filter((r) => r.route === route).length,
    failNext: (route, fault) => faults.set(route, [...(faults.get(route) ?? []), fault]),
    reset: () => {
      requests.length = 0;
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function answer(route: Route | 'unknown', req: IncomingMessage, body: unknown, res: ServerResponse, url: string, host: string): void {
  const method = route === 'csds' ? 'GET' : 'POST';
  if (route === 'unknown' || req.method !== method) return reply(res, 404, '');
  if (route === 'csds') {
    const account = url.split('/')[3] ?? '';
    const baseURIs = [
      { service: 'agentVep', account, baseURI: host },
      { service: 'facadeMsg', account, baseURI: host },
      { service: 'msgHist', account, baseURI: 'va.msghist.liveperson.net' },
    ];
    return reply(res, 200, JSON.stringify({ baseURIs, extra: true }));
  }
  if (route === 'login') {
    if (req.headers['content-type'] !== 'application/json') return reply(res, 415, '');
    if (!EXPECTED_LOGIN_BODIES.some((expected) => isDeepStrictEqual(expected, body))) {
      return reply(res, 401, lpError('Authentication failed', 'UNAUTHORIZED'));
    }
    return reply(
      res,
      200,
      JSON.stringify({
        bearer: BEARER,
        csrf: CSRF,
        wsuk: 'wsuk-1',
        sessionTTl: '28800000',
        config: { loginName: 'bot', userId: USER_ID, userPid: USER_PID, isAdmin: false },
        csdsCollectionResponse: { baseURIs: [] },
      }),
      {},
      [`Session_id=${SESSION_ID}; Path=/; Secure; HttpOnly`, 'lpRoute=node7; Path=/api'],
    );
  }
  const cookieOk = (req.headers.cookie ?? '').split(/;\s*/).includes(`Session_id=${SESSION_ID}`);
  if (!cookieOk || !isDeepStrictEqual(body, { csrf: CSRF })) {
    return reply(res, 401, lpError('CSRF token invalid! ', 'UNAUTHORIZED', 10));
  }
  reply(res, 200, '');
}

function lpError(message: string, responseStatus: string, internalCode = 2): string {
  return JSON.stringify({ error: { time: 1700000000000, message, internalCode, responseStatus } });
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
  cookies: readonly string[] = [],
): void {
  if (cookies.length > 0) res.setHeader('set-cookie', [...cookies]);
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A loopback `host:port` nothing listens on. */
export async function refusedHost(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** The `AuthFailed` that `promise` rejects with, failing the test on anything else. */
export async function authFailure(promise: Promise<unknown>): Promise<AuthFailed> {
  const error = await rejectionOf(promise);
  if (!(error instanceof AuthFailed)) throw new Error(`expected AuthFailed, got ${String(error)}`);
  return error;
}
