import * as t from 'io-ts';
import { AuthFailed } from '../domain/errors.js';
import {
  credentialKind,
  credentialSecrets,
  missingCredentialField,
  type Credentials,
  type TokenCredentials,
} from './credentials.js';
import { createCsdsClient, DEFAULT_SERVICES, type CsdsClient } from './csds.js';
import { decodeBody, send } from './http.js';
import { resolveAuthOptions, type AuthOptions } from './options.js';
import type { Session } from './session.js';

const NumberOrString = t.union([t.string, t.number]);

/** The fields of agentVep's login answer we use; the rest is ignored. */
const LoginResponse = t.intersection([
  t.type({
    bearer: t.string,
    config: t.intersection([
      t.type({ userId: NumberOrString }),
      t.partial({ userPid: t.string, loginName: t.string }),
    ]),
  }),
  t.partial({ csrf: t.string, sessionTTl: NumberOrString }),
]);

/**
 * Logs in and returns a `Session`. Resolves the account's hosts first (CSDS, or `options.domains`),
 * then posts the credentials to agentVep. Token credentials make no login call: the session is
 * built from the caller's token and userId.
 *
 * Rejects with `AuthFailed`: stage `csds` when the lookup fails, stage `login` otherwise. Bad
 * credentials and other 4xx are fatal; 429 (with `retryAfterMs` of at least 5 s), 5xx, timeouts,
 * network errors and malformed answers are not. Messages never hold a password, key, token or
 * assertion, even when the server echoes one.
 *
 * @example
 * const session = await login({ accountId: '12345678', username: 'bot', password });
 * session.legacyId; // '12345678.4411'
 *
 * @param credentials One of the four credential kinds.
 * @param options Where and how to reach LivePerson.
 * @param csds A shared CSDS client, to reuse its cache across logins. Default a fresh one.
 * @param signal Aborts the login call (it then owns the timeout: see `send`).
 * @return The new session.
 */
export async function login(
  credentials: Credentials,
  options: AuthOptions = {},
  csds: CsdsClient = createCsdsClient(options),
  signal?: AbortSignal,
): Promise<Session> {
  const resolved = resolveAuthOptions(options);
  const { accountId } = credentials;
  const kind = credentialKind(credentials);
  const missing = missingCredentialField(credentials);
  if (missing !== undefined) {
    throw new AuthFailed(`${kind} credentials for account ${accountId} lack ${missing}`, 'login', true);
  }
  if ('token' in credentials) {
    const identity = tokenIdentity(credentials);
    const domains = await csds.resolve(accountId, ['facadeMsg']);
    return { ...identity, domains, kind, issuedAt: resolved.now() };
  }

  const domains = await csds.resolve(accountId, DEFAULT_SERVICES);
  const what = `login for account ${accountId}`;
  const response = await send(
    {
      stage: 'login',
      what,
      host: domains['agentVep'] ?? '',
      path: `/api/account/${encodeURIComponent(accountId)}/login?v=1.3`,
      method: 'POST',
      body: loginBody(credentials),
      secrets: credentialSecrets(credentials),
      fatalOn4xx: true,
      minRetryAfterMs: 5_000,
    },
    resolved,
    signal,
  );
  const { bearer, csrf, config, sessionTTl } = decodeBody(LoginResponse, response.text, what, 'login');
  const userId = String(config.userId);
  if (bearer === '' || userId === '') {
    throw new AuthFailed(`${what} returned an empty ${bearer === '' ? 'bearer' : 'config.userId'}`, 'login', false);
  }
  const sessionTtl = sessionTTl === undefined ? undefined : Number(sessionTTl);
  return {
    accountId,
    userId,
    userPid: config.userPid,
    legacyId: `${accountId}.${userId}`,
    bearer,
    csrf,
    cookie: cookieHeader(response.headers.getSetCookie()),
    sessionTtl: sessionTtl !== undefined && Number.isFinite(sessionTtl) ? sessionTtl : undefined,
    domains,
    kind,
    issuedAt: resolved.now(),
  };
}

/** The body exactly as node-agent-sdk sends it per kind (the dummy `jwt` is its SAML workaround). */
function loginBody(credentials: Exclude<Credentials, TokenCredentials>): Record<string, string> {
  if ('assertion' in credentials) return { jwt: 'dummy', assertion: credentials.assertion };
  if ('appKey' in credentials) {
    const { username, appKey, secret, accessToken, accessTokenSecret } = credentials;
    return { username, appKey, secret, accessToken, accessTokenSecret };
  }
  return { username: credentials.username, password: credentials.password };
}

function tokenIdentity(credentials: TokenCredentials): Pick<Session, 'accountId' | 'userId' | 'userPid' | 'legacyId' | 'bearer'> {
  const { accountId, token, userPid } = credentials;
  const userId = String(credentials.userId);
  if (!/^\d+$/.test(userId)) {
    throw new AuthFailed(`token credentials for account ${accountId} need a numeric userId`, 'login', true);
  }
  return { accountId, userId, userPid, legacyId: `${accountId}.${userId}`, bearer: token };
}

// Only `name=value` survives: attributes (Path, Expires, HttpOnly...) are for browsers' jars.
function cookieHeader(setCookies: readonly string[]): string | undefined {
  const jar = new Map<string, string>();
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return jar.size === 0 ? undefined : [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}
