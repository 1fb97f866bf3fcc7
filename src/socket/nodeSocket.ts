import WebSocket from 'ws';
import { redact, SocketError } from '../domain/errors.js';
import type { SocketFactory, SocketHandlers, SocketOptions, WebSocketLike } from './types.js';

/** Frames up to 64 MiB reach the decoder, which applies its own (smaller) limit with a clear error. */
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

/**
 * The Node socket adapter, over `ws`. An HTTP status on the upgrade (401 for a bad bearer) is
 * reported as a `SocketError` carrying the status, then the socket closes with 1006.
 *
 * @example
 * const socket = openNodeSocket('ws://127.0.0.1:8080/ws_api/...', handlers);
 */
export const openNodeSocket: SocketFactory = (url: string, handlers: SocketHandlers, options: SocketOptions = {}): WebSocketLike => {
  const ws = new WebSocket(url, {
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    handshakeTimeout: options.handshakeTimeout ?? 30_000,
    perMessageDeflate: false,
    // Text frames become strings with Buffer#toString, which replaces invalid sequences: a second
    // UTF-8 pass over every frame buys nothing the decoder does not check anyway.
    skipUTF8Validation: true,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  let closed = false;
  const finish = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    ws.removeAllListeners();
    // A late 'error' from the underlying socket must never become an uncaught exception.
    ws.on('error', () => undefined);
    handlers.onClose(code, reason);
  };

  ws.on('open', () => handlers.onOpen());
  ws.on('message', (data, isBinary) => {
    handlers.onMessage(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
  });
  ws.on('pong', () => handlers.onPong?.());
  ws.on('unexpected-response', (req, res) => {
    const status = res.statusCode ?? 0;
    handlers.onError(new SocketError(`websocket upgrade refused with HTTP ${status}`, status));
    res.resume();
    req.destroy();
    finish(status === 401 ? 4401 : 1006, `HTTP ${status}`);
  });
  ws.on('error', (err: Error) => {
    handlers.onError(new SocketError(`websocket error: ${redact(err.message)}`));
  });
  ws.on('close', (code: number, reason: Buffer) => finish(code, reason.toString()));

  return {
    send(text: string): boolean {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(text);
      return true;
    },
    close(code = 1000, reason = ''): void {
      if (ws.readyState === WebSocket.CONNECTING) {
        ws.terminate();
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    },
    terminate(): void {
      ws.terminate();
    },
    ping(): void {
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    },
  };
};
