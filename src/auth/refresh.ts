import { AuthFailed } from '../domain/errors.js';
import { send } from './http.js';
import { resolveAuthOptions, type AuthOptions } from './options.js';
import type { Session } from './session.js';

/**
 * Keeps a session alive: posts its csrf with its cookie to agentVep. LivePerson suggests every
 * 3 to 5 minutes, within `session.sessionTtl`.
 *
 * Token sessions (no csrf) resolve at once without a call: LivePerson can only refresh sessions it
 * handed out through a login. Every failure is non-fatal, since the remedy is always the same: log
 * in again. A 401 (csrf or session no longer valid) rejects with `AuthFailed` stage `refresh`,
 * status 401; a 429 carries `retryAfterMs`.
 *
 * @example
 * const timer = setInterval(() => {
 *   refreshSession(session, options).catch((e: AuthFailed) => relogin(e));
 * }, 4 * 60_000);
 */
export async function refreshSession(session: Session, options: AuthOptions = {}, signal?: AbortSignal): Promise<void> {
  if (session.csrf === undefined) return;
  await postWithSession('refresh', session, session.csrf, options, signal);
}

/**
 * Ends a session on the server, best-effort: resolves `true` when the server acknowledged it,
 * `false` on any failure, and never rejects. Token sessions resolve `false` without a call.
 *
 * @example
 * await logout(session, options);
 */
export async function logout(session: Session, options: AuthOptions = {}): Promise<boolean> {
  if (session.csrf === undefined) return false;
  return postWithSession('logout', session, session.csrf, options).then(
    () => true,
    () => false,
  );
}

async function postWithSession(action: 'refresh' | 'logout', session: Session, csrf: string, options: AuthOptions, signal?: AbortSignal): Promise<void> {
  const { accountId } = session;
  const what = `${action} for account ${accountId}`;
  const host = session.domains['agentVep'];
  if (host === undefined) throw new AuthFailed(`${what}: the session lists no agentVep host`, 'refresh', false);
  await send(
    {
      stage: 'refresh',
      what,
      host,
      path: `/api/account/${encodeURIComponent(accountId)}/${action}?v=1.3`,
      method: 'POST',
      body: { csrf },
      cookie: session.cookie,
      secrets: [csrf, session.bearer, ...cookieValues(session.cookie)],
      fatalOn4xx: false,
      minRetryAfterMs: 1_000,
    },
    resolveAuthOptions(options),
    signal,
  );
}

function cookieValues(cookie: string | undefined): string[] {
  if (cookie === undefined) return [];
  return cookie.split(';').map((pair) => pair.slice(pair.indexOf('=') + 1).trim());
}
