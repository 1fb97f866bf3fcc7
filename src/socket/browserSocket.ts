import { SocketError } from '../domain/errors.js';
import type { SocketFactory, SocketHandlers, SocketOptions, WebSocketLike } from './types.js';

/** The part of the WHATWG `WebSocket` this adapter uses (the DOM lib is not part of the build). */
interface NativeWebSocket {
  readonly readyState: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

type NativeWebSocketConstructor = new (url: string) => NativeWebSocket;

const ignore = (): void => undefined;
const CONNECTING = 0;
const OPEN = 1;
/** The longest close reason a browser accepts, in UTF-8 bytes. */
const MAX_REASON_BYTES = 123;

function nativeWebSocket(): NativeWebSocketConstructor {
  const ctor: unknown = Reflect.get(globalThis, 'WebSocket');
  if (typeof ctor !== 'function') {
    throw new SocketError('openBrowserSocket needs a global WebSocket (a browser, a web worker, Deno, Bun or Node >= 22)');
  }
  return ctor as NativeWebSocketConstructor;
}

/** Browsers only let scripts close with 1000 or 3000-4999, and a reason of at most 123 bytes. */
function closeArgs(code: number, reason: string): [number, string] {
  const allowed = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
  let text = reason;
  const encoder = new TextEncoder();
  while (encoder.encode(text).length > MAX_REASON_BYTES) text = text.slice(0, -1);
  return [allowed, text];
}

/**
 * The browser socket adapter, over the platform's own `WebSocket`. The same contract as
 * `openNodeSocket`: `onClose` exactly once and last, failures as `SocketError`, then `onClose`.
 * What a browser does not expose, it cannot report: an HTTP status on a refused upgrade (a bad
 * bearer) surfaces as a `SocketError` and close code 1006, and a custom CA (`options.ca`) or
 * `maxPayload` cannot be set (the decoder's own `maxFrameLength` still applies).
 *
 * Browsers have no ws ping: `ping()` sends nothing, and the next frame the server sends (the
 * agent's `GetClock` keep-alive goes out with every ping) is reported as the pong, so a silent
 * peer is still detected. `terminate()` starts a close and reports `onClose(1006)` on the next
 * tick, without waiting for a peer that may never answer.
 *
 * The default socket factory of `createAgent` when a bundler targets browsers.
 *
 * @example
 * import { createAgent, openBrowserSocket } from 'lp-agent-rx';
 * const agent = createAgent({ ...tokenCredentials, socketFactory: openBrowserSocket });
 */
export const openBrowserSocket: SocketFactory = (url: string, handlers: SocketHandlers, options: SocketOptions = {}): WebSocketLike => {
  const ws = new (nativeWebSocket())(url);
  ws.binaryType = 'arraybuffer';
  let closed = false;
  let pingPending = false;
  const decoder = new TextDecoder();

  const detach = (): void => {
    ws.onopen = null;
    ws.onmessage = null;
    // A no-op rather than null: some WHATWG implementations (ws in Node) throw unhandled 'error's.
    ws.onerror = ignore;
    ws.onclose = null;
  };
  const finish = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    clearTimeout(handshakeTimer);
    detach();
    handlers.onClose(code, reason);
  };
  const closeQuietly = (code: number, reason: string): void => {
    try {
      ws.close(...closeArgs(code, reason));
    } catch {
      // Already closing, or a code or reason the platform refuses: the socket goes away anyway.
    }
  };

  const handshakeTimer = setTimeout(() => {
    if (closed || ws.readyState !== CONNECTING) return;
    handlers.onError(new SocketError(`websocket handshake timed out after ${options.handshakeTimeout ?? 30_000} ms`));
    closeQuietly(1000, '');
    finish(1006, 'handshake timeout');
  }, options.handshakeTimeout ?? 30_000);

  ws.onopen = () => {
    clearTimeout(handshakeTimer);
    handlers.onOpen();
  };
  ws.onmessage = (event) => {
    if (pingPending) {
      pingPending = false;
      handlers.onPong?.();
    }
    const { data } = event;
    if (typeof data === 'string') handlers.onMessage(data);
    else if (data instanceof ArrayBuffer) handlers.onMessage(decoder.decode(data));
  };
  // The browser gives no detail on purpose (no status, no TLS reason); 'close' follows.
  ws.onerror = () => {
    if (!closed) handlers.onError(new SocketError('websocket error (the browser reports no detail: refused, TLS, or an HTTP status such as 401 on the upgrade)'));
  };
  ws.onclose = (event) => finish(event.code, event.reason);

  return {
    send(text: string): boolean {
      if (closed || ws.readyState !== OPEN) return false;
      ws.send(text);
      return true;
    },
    close(code = 1000, reason = ''): void {
      if (closed) return;
      if (ws.readyState === CONNECTING) {
        // A close before the handshake completes makes the browser report an error: not one of ours.
        detach();
        closeQuietly(code, reason);
        setTimeout(() => finish(1006, 'closed before the connection was established'), 0);
        return;
      }
      if (ws.readyState === OPEN) closeQuietly(code, reason);
    },
    terminate(): void {
      if (closed) return;
      // From now on nothing the peer does (not even a prompt close handshake) is reported.
      detach();
      closeQuietly(1000, '');
      setTimeout(() => finish(1006, 'terminated'), 0);
    },
    ping(): void {
      if (!closed && ws.readyState === OPEN) pingPending = true;
    },
  };
};
