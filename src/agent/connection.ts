import { catchError, EMPTY, mergeMap, Observable, Subscription, throwError, timeout, timer, type Observer, type SchedulerLike } from 'rxjs';
import { ConnectionClosed, DecodeError, RequestFailed, RequestTimeout, toAgentError, type AgentError } from '../domain/errors.js';
import { keepAlive } from '../operators/keepAlive.js';
import { DEFAULT_MAX_FRAME_LENGTH, readFrame, type Notification, type Response, type TypedObject } from '../protocol/index.js';
import type { SocketFactory, SocketOptions, WebSocketLike } from '../socket/index.js';
import { openTransport } from './transport.js';

/**
 * A request that never left: its socket was closing (the agent had not heard of the close yet).
 * Safe to send again on the next connection, unlike a close after sending (outcome unknown).
 *
 * @example
 * connection.request(id, type, body).pipe(catchError((e) => (e instanceof NotSent ? sendOnNext() : throwError(() => e))));
 */
export class NotSent extends ConnectionClosed {
  constructor(type: string, reqId: string) {
    super(1006, 'socket not open', type, reqId);
  }
}

/**
 * One open socket, as the agent's other parts use it: requests correlated by id. Lives only as long
 * as its connection's scope; afterwards every request fails with `ConnectionClosed`.
 *
 * @example
 * connection.request('7', '.GetClock', {}).subscribe((resp) => resp.body);
 */
export interface Connection {
  /** Sends a request on this socket; cold. Errors with `RequestFailed` (code >= 400) or `ConnectionClosed`. */
  request(reqId: string, type: string, body: unknown, metadata?: readonly TypedObject[]): Observable<Response>;
}

/**
 * What a connection emits: `ready` once its socket is open and the replay is done, `stable` once it
 * has stayed ready for the stable period (the reconnect policy resets its count only then).
 *
 * @example
 * openConnection(config).pipe(filter((s) => s.type === 'stable'));
 */
export type ConnectionSignal = { readonly type: 'ready'; readonly connection: Connection } | { readonly type: 'stable' };

/**
 * How to open and keep one connection.
 *
 * @example
 * openConnection({ url, factory: openNodeSocket, scheduler: asyncScheduler, keepAlive: 30_000, ... });
 */
export interface ConnectionConfig {
  readonly url: string;
  readonly factory: SocketFactory;
  readonly socketOptions?: SocketOptions;
  readonly scheduler: SchedulerLike;
  /** Ping and GetClock period in ms; 0 disables. */
  readonly keepAlive: number;
  /** Timeout of the keep-alive's own GetClock, in ms. */
  readonly requestTimeout: number;
  /** How long the connection must stay ready before `stable`, in ms. */
  readonly stableAfter: number;
  readonly maxFrameLength: number | undefined;
  /** A fresh request id (unique per agent). */
  nextId(): string;
  /** Every decoded notification. */
  onNotification(notification: Notification): void;
  /** What to send before the connection counts as ready (remembered subscriptions); completes when done. */
  replay(connection: Connection): Observable<unknown>;
  /** Watches each request on the wire (diagnostics, stats); called when it is sent. */
  trace?(type: string, reqId: string): RequestTrace;
  /** Failures nobody asked for: bad frames, keep-alive failures, transport errors. */
  report(error: AgentError): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/**
 * What becomes of one request, for whoever watches it.
 *
 * @example
 * const trace: RequestTrace = { answered: (resp) => record(resp.code), failed: (why) => record(why) };
 */
export interface RequestTrace {
  /** A response came (any code). */
  answered(response: Response): void;
  /** The socket closed first (`ConnectionClosed`), or nobody waits any more (`undefined`: a timeout, an unsubscribe). */
  failed(error: AgentError | undefined): void;
}

interface Pending {
  readonly type: string;
  readonly observer: Observer<Response>;
  readonly trace: RequestTrace | undefined;
}

/**
 * One connection as an Observable: subscribing opens a socket; keep-alive, request correlation
 * and the replay live in that subscription's scope and end with it; the socket's close is the
 * error (`ConnectionClosed`), so `retry` reconnects by subscribing again. Unsubscribing closes the
 * socket and fails what is pending.
 *
 * @example
 * openConnection(config).pipe(retryBackoff({ resetOnSuccess: true })).subscribe();
 *
 * @param config The socket, timers and callbacks.
 * @return A cold Observable of `ready` then `stable`; it never completes on its own.
 */
export function openConnection(config: ConnectionConfig): Observable<ConnectionSignal> {
  return new Observable<ConnectionSignal>((subscriber) => {
    const pending = new Map<string, Pending>();
    const scope = new Subscription();
    let socket: WebSocketLike | undefined;
    let awaitingPong = false;
    let ended = false;
    let closeCode: [number, string] = [1000, 'connection closed by the client'];

    const failPending = (code: number, reason: string): void => {
      const all = [...pending.entries()];
      pending.clear();
      for (const [reqId, p] of all) {
        const error = new ConnectionClosed(code, reason, p.type, reqId);
        p.trace?.failed(error);
        p.observer.error(error);
      }
    };

    const connection: Connection = {
      request: (reqId, type, body, metadata) =>
        new Observable<Response>((observer) => {
          if (ended || !socket) {
            observer.error(new NotSent(type, reqId));
            return undefined;
          }
          const trace = config.trace?.(type, reqId);
          pending.set(reqId, { type, observer, trace });
          const frame: Record<string, unknown> = { kind: 'req', id: reqId, type, body };
          if (metadata) frame['metadata'] = metadata;
          if (!socket.send(JSON.stringify(frame))) {
            pending.delete(reqId);
            const error = new NotSent(type, reqId);
            trace?.failed(error);
            observer.error(error);
          }
          return () => {
            if (pending.delete(reqId)) trace?.failed(undefined);
          };
        }),
    };

    const maxFrameLength = config.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    const onFrame = (text: string): void => {
      // Any frame shows the peer alive, as a pong does (a socket whose platform reports no pongs
      // is judged by its GetClock answers).
      awaitingPong = false;
      const frame = readFrame(text, maxFrameLength);
      if (frame instanceof DecodeError) {
        config.report(frame);
        return;
      }
      if (frame.kind !== 'resp') {
        config.onNotification(frame);
        return;
      }
      const p = pending.get(frame.reqId);
      if (!p) return;
      pending.delete(frame.reqId);
      p.trace?.answered(frame);
      if (frame.code >= 400) p.observer.error(new RequestFailed(p.type, frame.reqId, frame.code, frame.body));
      else {
        p.observer.next(frame);
        p.observer.complete();
      }
    };

    const terminate = (why: string): void => {
      config.log('warn', `${why}: terminating the socket`);
      socket?.terminate();
    };

    const startKeepAlive = (): void => {
      if (config.keepAlive <= 0) return;
      let lastTick = config.scheduler.now();
      scope.add(
        keepAlive(config.keepAlive, config.scheduler)
          .pipe(
            mergeMap(() => {
              const now = config.scheduler.now();
              // A tick far later than its period means this process was stalled (GC, a busy loop),
              // not that the peer is dead: the pong may be waiting unread. Judge on the next tick.
              const stalled = now - lastTick > config.keepAlive * 1.5;
              lastTick = now;
              if (awaitingPong && !stalled) {
                terminate('no pong since the last ping');
                return EMPTY;
              }
              awaitingPong = true;
              socket?.ping();
              const reqId = config.nextId();
              return connection.request(reqId, '.GetClock', {}).pipe(
                timeout({ first: config.requestTimeout, scheduler: config.scheduler, with: () => throwError(() => new RequestTimeout('.GetClock', reqId, config.requestTimeout)) }),
                catchError((e: unknown) => {
                  if (e instanceof RequestTimeout) {
                    config.report(e);
                    terminate('keep-alive timed out');
                  } else if (!(e instanceof ConnectionClosed)) {
                    config.report(toAgentError(e));
                  }
                  return EMPTY;
                }),
              );
            }),
          )
          .subscribe(),
      );
    };

    const onOpen = (open: WebSocketLike): void => {
      socket = open;
      startKeepAlive();
      scope.add(
        config.replay(connection).subscribe({
          // A replay that cannot finish (no answer in time) gives this socket up: the next one replays again.
          error: (e: unknown) => {
            config.report(toAgentError(e));
            terminate('the subscription replay failed');
          },
          complete: () => {
            // A close during the replay ends the scope first: this never runs for a dead socket.
            if (ended) return;
            subscriber.next({ type: 'ready', connection });
            scope.add(timer(config.stableAfter, config.scheduler).subscribe(() => subscriber.next({ type: 'stable' })));
          },
        }),
      );
    };

    const transport = openTransport(config.factory, config.url, config.socketOptions, onFrame).subscribe({
      next: (event) => {
        switch (event.type) {
          case 'open':
            onOpen(event.socket);
            return;
          case 'pong':
            awaitingPong = false;
            return;
          case 'error':
            config.report(event.error);
            return;
        }
      },
      error: (e: unknown) => {
        // Order matters: the scope ends, then the agent hears of the close, then what was pending
        // (in the teardown), so a request retried on failure waits for the next connection.
        ended = true;
        scope.unsubscribe();
        if (e instanceof ConnectionClosed) closeCode = [e.code, e.reason];
        else closeCode = [1006, 'socket failed'];
        subscriber.error(e);
      },
    });

    return () => {
      ended = true;
      scope.unsubscribe();
      transport.unsubscribe();
      failPending(...closeCode);
    };
  });
}
