import { asyncScheduler, Subject, VirtualTimeScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { SocketError } from '../../domain/errors.js';
import type { SocketFactory, SocketHandlers, WebSocketLike } from '../../socket/types.js';
import { createEngine, type EmulatorWith, type Engine, type EngineOptions } from '../engine/engine.js';
import type { AgentSession, SessionTransport } from '../engine/session.js';

/**
 * Options of {@link createMemoryEmulator}: the engine's, plus the transport's latency.
 *
 * @example
 * const emulator = createMemoryEmulator({ seed: 7, scheduler: time.scheduler, latency: 1 });
 */
export interface MemoryEmulatorOptions extends EngineOptions {
  /** Where time is read and every frame, answer and timer runs. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** One-way delay of every frame, HTTP answer, open, close and pong, in ms. Default 1. */
  latency?: number;
  /** What timestamps read at scheduler time 0. Default 1 700 000 000 000 (Nov 2023). */
  epoch?: number;
  /** The host credentials name (CSDS domain and every service). Default `'emulator.memory'`. */
  host?: string;
}

/**
 * What an agent needs to reach an in-memory emulator, on top of its credentials.
 *
 * @example
 * const agent = createAgent({ ...emulator.addAgent({ username: 'bot', password: 'pw' }), scheduler });
 */
export interface MemoryTransport {
  /** Opens in-memory websockets to the engine. */
  readonly socketFactory: SocketFactory;
  /** Answers CSDS, login, refresh and logout from the engine, after the latency. */
  readonly fetch: typeof fetch;
}

/**
 * One thing on the in-memory wire, stamped with the scheduler's time (`at`) and the number of its
 * connection (1, 2, ... in the order sockets were created). `in` is a frame reaching the engine,
 * `out` one the engine sends; `close` is when the agent's socket hears of its close.
 *
 * @example
 * emulator.wire$.subscribe((e) => log.push(`${e.at} #${e.connection} ${e.type}`));
 */
export type WireEvent =
  | { readonly type: 'open'; readonly at: number; readonly connection: number; readonly username: string; readonly accountId: string }
  | { readonly type: 'refused'; readonly at: number; readonly connection: number; readonly status: number }
  | { readonly type: 'in' | 'out'; readonly at: number; readonly connection: number; readonly username: string; readonly text: string }
  | { readonly type: 'ping' | 'pong'; readonly at: number; readonly connection: number }
  | { readonly type: 'close'; readonly at: number; readonly connection: number; readonly code: number; readonly reason: string; readonly by: 'agent' | 'server' }
  | { readonly type: 'http'; readonly at: number; readonly method: string; readonly path: string; readonly status: number };

/**
 * An emulator with no socket and no port: its engine, reached through {@link MemoryTransport}.
 * Everything `startEmulator`'s `Emulator` offers, credentials that carry the transport, and the
 * hooks a simulator needs.
 *
 * @example
 * const emulator = createMemoryEmulator({ seed: 1, scheduler });
 * const agent = createAgent({ ...emulator.addAgent({ username: 'bot', password: 'pw' }), scheduler });
 */
export interface MemoryEmulator extends EmulatorWith<MemoryTransport> {
  /** Every open, refusal, frame, ping, pong, close and HTTP call on the in-memory wire (hot). Completes on `close()`, after the closes it causes. */
  readonly wire$: Observable<WireEvent>;
  /** The scheduler it runs on. */
  readonly scheduler: SchedulerLike;
}

/**
 * Creates an emulator whose engine is reached in memory: a real `createAgent` connects through the
 * credentials' `socketFactory` and `fetch`, and every frame, answer, open, close and pong is
 * delivered through `scheduler` after `latency` ms, never inside the call that sent it. On an rxjs
 * `VirtualTimeScheduler` nothing reads the wall clock: the same seed and the same steps give the
 * same run, byte for byte.
 *
 * @example
 * import { createAgent } from 'lp-agent-rx';
 * import { createMemoryEmulator, createVirtualTime } from 'lp-agent-rx/emulator';
 *
 * const time = createVirtualTime();
 * const emulator = createMemoryEmulator({ seed: 1, scheduler: time.scheduler });
 * const agent = createAgent({ ...emulator.addAgent({ username: 'bot', password: 'pw' }), scheduler: time.scheduler });
 * agent.connect().subscribe();
 * await time.advance(100);            // logged in, connected, subscribed
 * emulator.dropConnections(1006);     // the agent reconnects after its backoff
 * await time.advance(10_000);
 * await emulator.close();
 */
export function createMemoryEmulator(options: MemoryEmulatorOptions = {}): MemoryEmulator {
  const scheduler = options.scheduler ?? asyncScheduler;
  const latency = options.latency ?? 1;
  const engine = createEngine({ ...options, scheduler, epoch: options.epoch ?? 1_700_000_000_000 });
  const wire = new Subject<WireEvent>();
  const sockets = new Set<MemorySocket>();
  let connections = 0;
  let closed = false;
  const later = (work: () => void): void => {
    scheduler.schedule(work, latency);
  };
  const record = (event: WireEvent): void => {
    if (!closed) wire.next(event);
  };

  const socketFactory: SocketFactory = (url, handlers) => {
    const socket = new MemorySocket(++connections, url, handlers, engine, scheduler, later, record, () => sockets.delete(socket));
    sockets.add(socket);
    return socket;
  };

  const fetchFromEngine = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? request?.headers).forEach((value, name) => (headers[name] = value));
    const body = init?.body !== undefined && init.body !== null ? await new Response(init.body).text() : request ? await request.text() : '';
    const signal = init?.signal ?? request?.signal;
    return new Promise<Response>((resolve, reject) => {
      const abort = (): void => reject(signal?.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError'));
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      later(() => {
        if (signal?.aborted) return;
        const answer = engine.http({ method, url: url.pathname + url.search, headers, body });
        record({ type: 'http', at: scheduler.now(), method, path: url.pathname, status: answer.status });
        later(() => {
          signal?.removeEventListener('abort', abort);
          if (signal?.aborted) return;
          const empty = answer.status === 204 || answer.status === 304 || answer.body === '';
          resolve(new Response(empty ? null : answer.body, { status: answer.status, headers: answer.headers }));
        });
      });
    });
  };

  const transport: MemoryTransport = { socketFactory, fetch: fetchFromEngine as typeof fetch };
  const host = options.host ?? 'emulator.memory';
  let closing: Promise<void> | undefined;
  const emulator = engine.emulator({
    host,
    credentials: transport,
    close: () => {
      if (!closing) {
        engine.dispose();
        // As `startEmulator` terminates its sockets: every agent hears a 1006 now.
        for (const socket of [...sockets]) socket.drop();
        closed = true;
        wire.complete();
        closing = Promise.resolve();
      }
      return closing;
    },
  });
  return Object.assign(emulator, { wire$: wire.asObservable(), scheduler });
}

/** One in-memory websocket: the agent's side is `WebSocketLike`, the engine's a `SessionTransport`. */
class MemorySocket implements WebSocketLike {
  private state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  /** The engine closed or dropped it: nothing more goes either way. */
  private serverGone = false;
  /** The agent dropped it: frames in flight to it are not read. */
  private dropped = false;
  private session: AgentSession | undefined;
  private username = '';

  constructor(
    readonly connection: number,
    url: string,
    private readonly handlers: SocketHandlers,
    private readonly engine: Engine,
    private readonly scheduler: SchedulerLike,
    private readonly later: (work: () => void) => void,
    private readonly record: (event: WireEvent) => void,
    private readonly forget: () => void,
  ) {
    later(() => this.connect(new URL(url).pathname));
  }

  send(text: string): boolean {
    if (this.state !== 'open' || this.serverGone) return false;
    this.later(() => {
      const session = this.session;
      if (!session?.isOpen || this.dropped) return;
      this.record({ type: 'in', at: this.scheduler.now(), connection: this.connection, username: this.username, text });
      session.receive(text);
    });
    return true;
  }

  close(code = 1000, reason = ''): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    this.state = 'closing';
    this.later(() => this.finish(code, reason, 'agent'));
  }

  terminate(): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.dropped = true;
    this.later(() => this.finish(1006, '', 'agent'));
  }

  ping(): void {
    if (this.state !== 'open') return;
    this.record({ type: 'ping', at: this.scheduler.now(), connection: this.connection });
    this.later(() => {
      if (!this.session?.answersPing() || this.dropped) return;
      this.later(() => {
        if (this.state !== 'open' || this.dropped) return;
        this.record({ type: 'pong', at: this.scheduler.now(), connection: this.connection });
        this.handlers.onPong?.();
      });
    });
  }

  /** The emulator closes: the agent hears a drop at once. */
  drop(): void {
    this.serverGone = true;
    this.finish(1006, '', 'server');
  }

  private connect(path: string): void {
    if (this.state !== 'connecting') return;
    const admitted = this.engine.core.closed ? { status: 1006, text: 'Emulator closed', body: '' } : this.engine.admit(path);
    if ('status' in admitted) {
      this.record({ type: 'refused', at: this.scheduler.now(), connection: this.connection, status: admitted.status });
      this.handlers.onError(new SocketError(`websocket upgrade refused with HTTP ${admitted.status}`, admitted.status));
      this.finish(admitted.status === 401 ? 4401 : 1006, `HTTP ${admitted.status}`, 'server');
      return;
    }
    this.username = admitted.agent.username;
    this.state = 'open';
    this.record({ type: 'open', at: this.scheduler.now(), connection: this.connection, username: admitted.agent.username, accountId: admitted.agent.accountId });
    this.session = this.engine.open(admitted, this.transport());
    if (this.state === 'open') this.handlers.onOpen();
  }

  private transport(): SessionTransport {
    return {
      send: (text) => {
        if (this.serverGone || this.state === 'closed') return false;
        this.record({ type: 'out', at: this.scheduler.now(), connection: this.connection, username: this.username, text });
        this.later(() => {
          if (this.state === 'open' && !this.dropped) this.handlers.onMessage(text);
        });
        return true;
      },
      close: (code, reason) => {
        if (this.serverGone) return;
        this.serverGone = true;
        this.later(() => this.finish(code, reason, 'server'));
      },
      terminate: () => {
        // What the engine sent before still arrives (as a destroyed TCP socket flushes); then 1006.
        if (this.serverGone) return;
        this.serverGone = true;
        this.later(() => this.finish(1006, '', 'server'));
      },
    };
  }

  /** The agent hears of the close, once. */
  private finish(code: number, reason: string, by: 'agent' | 'server'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.session?.ended();
    this.forget();
    this.record({ type: 'close', at: this.scheduler.now(), connection: this.connection, code, reason, by });
    this.handlers.onClose(code, reason);
  }
}

/**
 * Virtual time for specs and simulations: a `VirtualTimeScheduler` and `advance(ms)`, which runs
 * every timer due within `ms` in order and lets promises settle between them (a macrotask turn,
 * so `await`s chained on delivered frames run before the next timer fires).
 *
 * @example
 * const time = createVirtualTime();
 * const emulator = createMemoryEmulator({ seed: 1, scheduler: time.scheduler });
 * await time.advance(1_000);
 * time.now(); // 1000
 */
export function createVirtualTime(): { readonly scheduler: VirtualTimeScheduler; now(): number; settle(): Promise<void>; advance(ms: number): Promise<void> } {
  const scheduler = new VirtualTimeScheduler();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    scheduler,
    now: () => scheduler.frame,
    settle,
    async advance(ms: number) {
      const target = scheduler.frame + ms;
      await settle();
      for (;;) {
        const next = scheduler.actions[0];
        if (!next || next.delay > target) break;
        scheduler.maxFrames = next.delay;
        scheduler.flush();
        await settle();
      }
      scheduler.frame = target;
      scheduler.maxFrames = Number.POSITIVE_INFINITY;
    },
  };
}
