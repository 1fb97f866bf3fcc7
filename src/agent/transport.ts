import { Observable } from 'rxjs';
import { ConnectionClosed, SocketError, redact } from '../domain/errors.js';
import type { SocketFactory, SocketOptions, WebSocketLike } from '../socket/index.js';

/**
 * What one socket tells its connection through the observable, in order: `open` once, then pongs
 * and transport errors (frames go to the `onText` callback). The observable errors with
 * `ConnectionClosed` when the socket closes, whoever closed it.
 *
 * @example
 * openTransport(openNodeSocket, url, {}, onFrame).subscribe((e) => { if (e.type === 'pong') alive(); });
 */
export type TransportEvent =
  | { readonly type: 'open'; readonly socket: WebSocketLike }
  | { readonly type: 'pong' }
  | { readonly type: 'error'; readonly error: SocketError };

const PONG = { type: 'pong' } as const;

/**
 * Opening a socket, as an Observable: subscribing opens it, the close is the observable's error
 * (`ConnectionClosed` with the close code), and unsubscribing closes it with 1000. So a socket never
 * outlives the scope that opened it.
 *
 * @example
 * const sub = openTransport(openNodeSocket, url, {}, onFrame).subscribe({ error: (e: ConnectionClosed) => e.code });
 * sub.unsubscribe(); // closes the socket
 *
 * @param factory Opens the platform's socket.
 * @param url The websocket URL (holds the bearer: never log it unredacted).
 * @param options Transport options (CA, payload limit).
 * @param onText Receives each text frame while the socket is open: the hot path, called directly
 *   rather than through the subscriber.
 * @return A cold Observable of the socket's events.
 */
export function openTransport(factory: SocketFactory, url: string, options: SocketOptions | undefined, onText: (text: string) => void): Observable<TransportEvent> {
  return new Observable<TransportEvent>((subscriber) => {
    let closed = false;
    let socket: WebSocketLike | undefined;
    let openedEarly = false;
    try {
      socket = factory(
        url,
        {
          onOpen: () => {
            if (closed) return;
            if (socket) subscriber.next({ type: 'open', socket });
            else openedEarly = true;
          },
          onMessage: (text) => {
            if (!closed) onText(text);
          },
          onPong: () => {
            if (!closed) subscriber.next(PONG);
          },
          onError: (error) => {
            if (!closed) subscriber.next({ type: 'error', error });
          },
          onClose: (code, reason) => {
            if (closed) return;
            closed = true;
            subscriber.error(new ConnectionClosed(code, reason));
          },
        },
        options,
      );
      if (openedEarly && !closed) subscriber.next({ type: 'open', socket });
    } catch (e) {
      // A URL the platform refuses to parse: report it as a transport failure, never throw.
      closed = true;
      subscriber.error(new SocketError(`could not open the websocket: ${redact(e instanceof Error ? e.message : String(e))}`));
    }
    return () => {
      if (closed) return;
      closed = true;
      socket?.close(1000, 'closed by the client');
    };
  });
}
