import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { AuthFailed, redact, type AuthStage } from '../domain/errors.js';
import { httpBase, isValidHost } from './hosts.js';
import type { ResolvedAuthOptions } from './options.js';

/**
 * One auth HTTP call, described so that every failure becomes an `AuthFailed` naming the call,
 * never a secret.
 *
 * @example
 * const call: AuthCall = { stage: 'refresh', what: 'refresh for account 123', host, path, method: 'POST', body: { csrf }, secrets: [csrf], fatalOn4xx: false, minRetryAfterMs: 1_000 };
 */
export interface AuthCall {
  readonly stage: AuthStage;
  /** Names the call in error messages, e.g. `login for account 123`. Must hold no secret. */
  readonly what: string;
  readonly host: string;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** Sent as JSON when present. */
  readonly body?: unknown;
  readonly cookie?: string;
  /** Values to strip from any server text quoted in an error. */
  readonly secrets: readonly string[];
  /** Whether a 4xx other than 429 means retrying cannot help. */
  readonly fatalOn4xx: boolean;
  /** The least wait reported after a 429, in ms. */
  readonly minRetryAfterMs: number;
}

/**
 * A 2xx answer with its body read as text.
 *
 * @example
 * const { status, text } = await send(call, options);
 */
export interface AuthResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * Sends an auth call and reads its body within `loginTimeout`. Resolves for 2xx only; rejects with
 * `AuthFailed` otherwise: 4xx (not 429) fatal when `fatalOn4xx`, 429 with `retryAfterMs`, 5xx,
 * timeouts and network errors not fatal.
 *
 * @example
 * const response = await send({ stage: 'csds', what: `CSDS lookup for account ${id}`, host, path, method: 'GET', secrets: [], fatalOn4xx: true, minRetryAfterMs: 1_000 }, options);
 *
 * @param signal Aborts the call (a disposed agent); given, it replaces the `loginTimeout` timer.
 */
export async function send(call: AuthCall, options: ResolvedAuthOptions, signal?: AbortSignal): Promise<AuthResponse> {
  const { stage, what, host, path, method, body, cookie } = call;
  if (!isValidHost(host)) {
    throw new AuthFailed(`${what}: "${redact(host)}" is not a valid host[:port]`, stage, true);
  }
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': options.userAgent };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (cookie !== undefined) headers['Cookie'] = cookie;
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(`${httpBase(host, options.secure)}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // A caller's signal brings its own timeout (the agent keeps it on its scheduler, so virtual time rules it).
      signal: signal ?? AbortSignal.timeout(options.loginTimeout),
    });
    text = await response.text();
  } catch (error) {
    throw new AuthFailed(`${what} failed: ${describeNetworkError(error, options.loginTimeout)}`, stage, false);
  }
  const { status } = response;
  if (status >= 200 && status < 300) return { status, headers: response.headers, text };
  const detail = serverMessage(text, call.secrets);
  if (status === 429) {
    const retryAfterMs = Math.max(call.minRetryAfterMs, parseRetryAfter(response.headers.get('retry-after'), options.now()));
    throw new AuthFailed(`${what} was rate-limited (HTTP 429)${detail}; retry in ${retryAfterMs} ms`, stage, false, 429, retryAfterMs);
  }
  const fatal = call.fatalOn4xx && status >= 400 && status < 500;
  throw new AuthFailed(`${what} failed with HTTP ${status}${detail}`, stage, fatal, status);
}

const ErrorBody = t.type({
  error: t.partial({ message: t.string, internalCode: t.union([t.number, t.string]) }),
});

// LivePerson's error body is `{error:{message, internalCode, ...}}`; anything else is not quoted.
function serverMessage(text: string, secrets: readonly string[]): string {
  const decoded = ErrorBody.decode(parseJson(text));
  if (isLeft(decoded)) return '';
  const { message, internalCode } = decoded.right.error;
  const parts = [
    message === undefined ? undefined : scrub(message, secrets).slice(0, 200),
    internalCode === undefined ? undefined : `internalCode ${scrub(String(internalCode), secrets)}`,
  ].filter((part): part is string => part !== undefined && part !== '');
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
}

/**
 * Removes every occurrence of the given secret values from server text, then anything else that
 * looks like a credential.
 *
 * @example
 * scrub('no user bot with password hunter2', ['hunter2']); // 'no user bot with password ***'
 */
export function scrub(text: string, secrets: readonly string[]): string {
  const masked = secrets.filter((secret) => secret !== '').reduce((acc, secret) => acc.split(secret).join('***'), text);
  return redact(masked);
}

function parseRetryAfter(header: string | null, now: number): number {
  if (header === null) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

// Duck-typed: fetch's errors may come from another realm (a test runner's sandbox, an iframe).
function describeNetworkError(error: unknown, timeoutMs: number): string {
  const name = property(error, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = [property(property(error, 'cause'), 'code'), property(error, 'code')].find(
    (value): value is string => typeof value === 'string' && /^[A-Z0-9_]+$/.test(value),
  );
  return code === undefined ? 'network error' : `network error (${code})`;
}

function property(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const found: unknown = Reflect.get(value, key);
  return found;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Decodes a 2xx body with `codec`, or throws a non-fatal `AuthFailed` naming the first failing
 * field and what was expected there, never the value found.
 *
 * @example
 * const body = decodeBody(LoginResponse, response.text, 'login for account 123', 'login');
 */
export function decodeBody<A>(codec: t.Decoder<unknown, A>, text: string, what: string, stage: AuthStage): A {
  const json = parseJson(text);
  if (json === undefined) throw new AuthFailed(`${what} returned a body that is not JSON`, stage, false);
  const decoded = codec.decode(json);
  if (isLeft(decoded)) {
    throw new AuthFailed(`${what} returned an unexpected body: ${describeFailure(decoded.left[0])}`, stage, false);
  }
  return decoded.right;
}

function describeFailure(error: t.ValidationError | undefined): string {
  const context = error?.context ?? [];
  const keys: string[] = [];
  let expected = context[0]?.type.name ?? 'a value';
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]?.type;
    const entry = context[i];
    // Members of unions and intersections are alternatives of one field, not a level of the path.
    if (entry === undefined || parent instanceof t.UnionType || parent instanceof t.IntersectionType) continue;
    keys.push(entry.key);
    expected = entry.type.name;
  }
  return `${keys.length === 0 ? 'the body' : keys.join('.')} should be ${expected}`;
}
