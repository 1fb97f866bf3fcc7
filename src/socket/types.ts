import type { SocketError } from '../domain/errors.js';

/**
 * What the agent needs from a websocket, and nothing more. Implemented over `ws` in Node and over
 * the native `WebSocket` in browsers; tests never mock it, they talk to the emulator.
 *
 * @example
 * const socket = openNodeSocket(url, { onOpen, onMessage, onClose, onError });
 * socket.send('{"kind":"req",...}');
 */
export interface WebSocketLike {
  /** Sends a text frame. Returns false when the socket is not open (nothing is sent). */
  send(text: string): boolean;
  /** Starts the closing handshake. `onClose` follows. */
  close(code?: number, reason?: string): void;
  /** Drops the connection at once (a dead peer will never answer a close). `onClose` follows with 1006. */
  terminate(): void;
  /** Sends a ws ping when the platform can (Node). Browsers send nothing: the next frame received counts as the pong. */
  ping(): void;
}

/**
 * Callbacks of one socket. `onClose` is called exactly once, last, whether or not the socket opened.
 *
 * @example
 * const handlers: SocketHandlers = { onOpen() {}, onMessage(t) {}, onClose(code) {}, onError(e) {} };
 */
export interface SocketHandlers {
  /** The socket is open and may send. */
  onOpen(): void;
  /** One text frame arrived. */
  onMessage(text: string): void;
  /** The socket closed (1006 when the connection dropped without a close frame). Called once, last. */
  onClose(code: number, reason: string): void;
  /** A transport failure (refused, TLS, an HTTP status on upgrade). `onClose` still follows. */
  onError(error: SocketError): void;
  /** A ws pong arrived (Node); in browsers, the first frame after a `ping()`. */
  onPong?(): void;
}

/** Options of a socket connection. */
export interface SocketOptions {
  /** Largest frame the transport accepts, in bytes; larger ones close the socket (1009). */
  maxPayload?: number;
  /** Handshake timeout in ms. */
  handshakeTimeout?: number;
  /** Extra TLS options, e.g. a CA for a self-signed emulator certificate. */
  ca?: string | Buffer;
}

/**
 * Opens a websocket. The agent takes one of these so that browsers and Node share the same code.
 *
 * @example
 * const agent = createAgent({ ...creds, socketFactory: openNodeSocket });
 */
export type SocketFactory = (url: string, handlers: SocketHandlers, options?: SocketOptions) => WebSocketLike;
