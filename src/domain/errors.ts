import { DecodeError } from '../protocol/errors.js';

// DecodeError lives with the decoder (protocol never imports domain); re-exported here so it stays
// one class among the typed errors, for `AgentError`, `toAgentError` and `instanceof`.
export { DecodeError };
export type { DecodeFailure } from '../protocol/errors.js';

/**
 * Typed errors. Every failure the library can observe is one of these values, never thrown into
 * the event loop, and reported exactly once: a request you subscribed to yourself (`request`,
 * `execute`, `call`, the typed methods) fails with it, and only you hear of it; a command run by
 * `agent.run`, and everything the agent does or receives unasked (bad frames, warnings, closes,
 * login, refresh, keep-alive, replay, follow and catch-up), is emitted on `agent.errors$`.
 * Each carries a `kind` to switch on, the request type and ids where there are some, and never a
 * secret (passwords, bearer tokens and csrf values are kept out of messages and fields).
 *
 * @example
 * agent.errors$.subscribe((e) => {
 *   if (e.kind === 'ConnectionClosed') console.warn('socket closed', e.code);
 * });
 */
export type AgentError =
  | DecodeError
  | RequestTimeout
  | ConnectionClosed
  | RequestFailed
  | AuthFailed
  | NormalizeWarning
  | DecodeWarning
  | SessionTakenOver
  | SocketError
  | PipelineError;

/**
 * A request got no response within its timeout.
 *
 * @example
 * agent.request('.GetClock', {}).subscribe({ error: (e: RequestTimeout) => e.timeoutMs });
 */
export class RequestTimeout extends Error {
  readonly kind = 'RequestTimeout' as const;
  constructor(
    readonly requestType: string,
    readonly reqId: string,
    readonly timeoutMs: number,
  ) {
    super(`${requestType} (request ${reqId}) got no response within ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

/**
 * The socket closed. Emitted on `errors$` for unexpected closes, and as the error of every request
 * that was still pending when it closed.
 *
 * @example
 * agent.errors$.pipe(filter((e) => e.kind === 'ConnectionClosed')).subscribe((e) => e.code);
 */
export class ConnectionClosed extends Error {
  readonly kind = 'ConnectionClosed' as const;
  constructor(
    /** The websocket close code (1006 for an abnormal close, 4401/4407 for auth). */
    readonly code: number,
    readonly reason = '',
    readonly requestType?: string,
    readonly reqId?: string,
  ) {
    super(
      requestType
        ? `${requestType} (request ${reqId}) failed: connection closed with code ${code}${reason ? ` (${reason})` : ''}`
        : `connection closed with code ${code}${reason ? ` (${reason})` : ''}`,
    );
    this.name = 'ConnectionClosed';
  }
}

/**
 * The server answered a request with a code of 400 or more.
 *
 * @example
 * agent.updateRingState({ ringId, ringState: 'ACCEPTED' }).subscribe({ error: (e: RequestFailed) => e.code });
 */
export class RequestFailed extends Error {
  readonly kind = 'RequestFailed' as const;
  constructor(
    readonly requestType: string,
    readonly reqId: string,
    readonly code: number,
    /** The response body as the server sent it (error bodies are not specified by LivePerson). */
    readonly body: unknown,
  ) {
    super(`${requestType} (request ${reqId}) failed with code ${code}${describeBody(body)}`);
    this.name = 'RequestFailed';
  }
}

/** Where authentication failed. */
export type AuthStage = 'csds' | 'login' | 'refresh' | 'handshake';

/**
 * Authentication failed. `fatal` means retrying cannot help (bad credentials, other 4xx on login);
 * otherwise the agent retries by its reconnect policy.
 *
 * @example
 * agent.errors$.subscribe((e) => { if (e.kind === 'AuthFailed' && e.fatal) process.exit(1); });
 */
export class AuthFailed extends Error {
  readonly kind = 'AuthFailed' as const;
  constructor(
    message: string,
    readonly stage: AuthStage,
    readonly fatal: boolean,
    /** HTTP status when there was one. */
    readonly status?: number,
    /** After a 429: how long to wait before trying again, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AuthFailed';
  }
}

/**
 * A notification was delivered, but degraded: e.g. a conversation without `participantsPId`, whose
 * participants fall back to legacy ids. Nothing is dropped.
 *
 * @example
 * agent.errors$.pipe(filter((e) => e.kind === 'NormalizeWarning')).subscribe((w) => log.warn(w.message));
 */
export class NormalizeWarning extends Error {
  readonly kind = 'NormalizeWarning' as const;
  constructor(
    message: string,
    readonly frameType: string,
    readonly convId?: string,
  ) {
    super(message);
    this.name = 'NormalizeWarning';
  }
}

/**
 * A frame carried a value this version does not know (a new content type, role, TTR type, ...). It
 * was delivered as sent, nothing dropped; the agent reports each distinct value once.
 *
 * @example
 * agent.errors$.pipe(filter((e) => e.kind === 'DecodeWarning')).subscribe((w) => log.info(w.enumName, w.value));
 */
export class DecodeWarning extends Error {
  readonly kind = 'DecodeWarning' as const;
  constructor(
    /** The open enum, e.g. `TtrType`. */
    readonly enumName: string,
    /** The value, as sent (at most 64 characters). */
    readonly value: string,
    /** The notification type it came in. */
    readonly frameType?: string,
  ) {
    super(`${frameType ? `${frameType}: ` : ''}${enumName} ${JSON.stringify(value)} is not a value this version knows; delivered as sent`);
    this.name = 'DecodeWarning';
  }
}

/**
 * Another session of the same agent user took over: LivePerson allows one live session per agent
 * user, and a second login ends the first. By default the agent stops (`connect()` fails with this)
 * instead of logging in again and kicking the other process in turn.
 *
 * @example
 * agent.errors$.pipe(filter((e) => e.kind === 'SessionTakenOver')).subscribe(() => releaseTheLease());
 */
export class SessionTakenOver extends Error {
  readonly kind = 'SessionTakenOver' as const;
  constructor(
    /** The close code that said so. */
    readonly code: number,
    readonly reason = '',
  ) {
    super(`another session of this agent user took over (close ${code}${reason ? `: ${reason}` : ''}); this agent stopped instead of fighting back`);
    this.name = 'SessionTakenOver';
  }
}

/**
 * The close code the emulator ends a session with when another session of the same user opens.
 *
 * @example
 * if (closeCode === SESSION_TAKEN_OVER_CODE) console.warn('another process took this bot user');
 */
export const SESSION_TAKEN_OVER_CODE = 4409;

/**
 * The socket could not be opened or failed at the transport level (refused, DNS, TLS, HTTP status
 * on upgrade other than 401).
 *
 * @example
 * agent.errors$.pipe(filter((e) => e.kind === 'SocketError')).subscribe((e) => e.message);
 */
export class SocketError extends Error {
  readonly kind = 'SocketError' as const;
  constructor(
    message: string,
    /** HTTP status of a refused upgrade, when known. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SocketError';
  }
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return `: ${body.slice(0, 200)}`;
  return '';
}

/**
 * Removes anything that looks like a bearer token or credential from a text before it is put in
 * an error or a log line. Bearer tokens travel in the websocket URL path, so URLs are masked too.
 *
 * @example
 * redact('wss://h/ws_api/account/1/messaging/brand/SECRET?v=2.1'); // '.../brand/***?v=2.1'
 */
export function redact(text: string): string {
  return text
    .replace(/(\/messaging\/brand\/)[^/?#\s]+/g, '$1***')
    .replace(/(bearer\s+)[^\s"']+/gi, '$1***')
    .replace(/("?(?:password|secret|bearer|csrf|accessToken|accessTokenSecret|token|assertion)"?\s*[:=]\s*"?)[^"&\s,}]+/gi, '$1***');
}

/**
 * A pipeline given to `agent.run` (or a command inside it) failed with something that is not one
 * of the protocol's errors, e.g. an exception thrown by the user's own operator.
 *
 * @example
 * agent.run(rings$.pipe(map(() => { throw new Error('bug'); }))); // errors$: PipelineError 'bug'
 */
export class PipelineError extends Error {
  readonly kind = 'PipelineError' as const;
  constructor(message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}

/**
 * Any thrown value as an `AgentError`: the library's own errors pass through, anything else (an
 * exception from user code in a pipeline) becomes a `PipelineError` with a redacted message.
 *
 * @example
 * toAgentError(new Error('boom')).kind; // 'PipelineError'
 */
export function toAgentError(e: unknown): AgentError {
  if (
    e instanceof DecodeError ||
    e instanceof RequestTimeout ||
    e instanceof ConnectionClosed ||
    e instanceof RequestFailed ||
    e instanceof AuthFailed ||
    e instanceof NormalizeWarning ||
    e instanceof DecodeWarning ||
    e instanceof SessionTakenOver ||
    e instanceof SocketError ||
    e instanceof PipelineError
  ) {
    return e;
  }
  return new PipelineError(redact(e instanceof Error ? e.message : String(e)));
}
