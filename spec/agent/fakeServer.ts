import { firstValueFrom, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { createAgent, type Agent, type AgentError, type ConnectionState, type MessagingEvent } from '../../src/index';
import type { SocketFactory, SocketHandlers, WebSocketLike } from '../../src/socket/index';
import type { AgentConfig } from '../../src/agent/index';
import { seedIds } from '../../src/testing/index';

/** A request frame as the fake server reads it. */
export interface SentFrame {
  kind: string;
  id: string;
  type: string;
  body: Record<string, unknown>;
  metadata?: Array<Record<string, unknown>>;
}

/** One fake socket: the client side is `WebSocketLike`; the server side is driven by the spec. */
export class FakeSocket implements WebSocketLike {
  readonly sent: SentFrame[] = [];
  pings = 0;
  closed = false;
  opened = false;

  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
    private readonly server: FakeServer,
  ) {}

  send(text: string): boolean {
    if (this.closed || !this.opened) return false;
    const frame = JSON.parse(text) as SentFrame;
    this.sent.push(frame);
    this.server.onRequest(this, frame);
    return true;
  }
  close(code = 1000, reason = ''): void {
    this.serverClose(code, reason);
  }
  terminate(): void {
    this.serverClose(1006, 'terminated');
  }
  ping(): void {
    this.pings++;
    if (this.server.pongs) this.server.later(() => !this.closed && this.handlers.onPong?.());
  }

  /** The server side. */
  open(): void {
    if (this.closed) return;
    this.opened = true;
    this.handlers.onOpen();
  }
  push(frame: unknown): void {
    if (!this.closed) this.handlers.onMessage(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  respond(reqId: string, body: unknown, code = 200, type = '.Response'): void {
    this.push({ kind: 'resp', reqId, code, type, body });
  }
  serverClose(code: number, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(code, reason);
  }
}

/** A stored event of a dialog, as QueryMessages returns it. */
export interface StoredRecord {
  sequence: number;
  dialogId: string;
  originatorId: string;
  originatorMetadata?: { id: string; role: string };
  serverTimestamp: number;
  event: Record<string, unknown>;
  metadata?: Array<Record<string, unknown>>;
}

/**
 * A scripted UMS server over fake sockets, in virtual time: sockets open 1 ms after they are
 * created, responses come 1 ms after their request, pongs 1 ms after a ping. Specs hold back
 * request types, refuse sockets, and close them.
 */
export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  /** Request types not answered (collected in `unanswered`). */
  readonly held = new Set<string>();
  readonly unanswered: Array<{ socket: FakeSocket; frame: SentFrame }> = [];
  /** Custom answers per type: `undefined` falls back to the default. */
  readonly answers = new Map<string, (frame: SentFrame, socket: FakeSocket) => { code?: number; body: unknown } | undefined>();
  readonly history = new Map<string, StoredRecord[]>();
  /** Sockets open on their own; false: they stay connecting until the spec opens them. */
  autoOpen = true;
  pongs = true;
  latency = 1;
  legacyId = seedIds.agentLegacyId;
  /** Request types processed but never answered (the response is lost). */
  readonly lostResponses = new Set<string>();
  /** Called when a socket opens (e.g. to drop it at once). */
  afterOpen: ((socket: FakeSocket) => void) | undefined;

  constructor(readonly scheduler: VirtualTimeScheduler) {}

  readonly factory: SocketFactory = (url, handlers) => {
    const socket = new FakeSocket(url, handlers, this);
    this.sockets.push(socket);
    if (this.autoOpen) this.later(() => this.open(socket));
    return socket;
  };

  open(socket: FakeSocket): void {
    socket.open();
    this.afterOpen?.(socket);
  }

  get current(): FakeSocket | undefined {
    const last = this.sockets[this.sockets.length - 1];
    return last && !last.closed ? last : undefined;
  }

  /** Every request sent on any socket, in order. */
  requests(type?: string): SentFrame[] {
    return this.sockets.flatMap((s) => s.sent).filter((f) => type === undefined || f.type === type);
  }

  later(work: () => void, delay = this.latency): void {
    this.scheduler.schedule(work, delay);
  }

  onRequest(socket: FakeSocket, frame: SentFrame): void {
    if (this.held.has(frame.type) || this.held.has('*')) {
      this.unanswered.push({ socket, frame });
      return;
    }
    if (this.lostResponses.has(frame.type)) {
      this.defaultBody(frame);
      return;
    }
    this.later(() => this.answer(socket, frame));
  }

  answer(socket: FakeSocket, frame: SentFrame): void {
    const custom = this.answers.get(frame.type)?.(frame, socket);
    if (custom) return socket.respond(frame.id, custom.body, custom.code ?? 200);
    socket.respond(frame.id, this.defaultBody(frame));
  }

  /** Answers every held request (on sockets still open). */
  release(): void {
    for (const { socket, frame } of this.unanswered.splice(0)) this.later(() => this.answer(socket, frame));
  }

  /** Adds a consumer message to a dialog's history; returns its record. */
  store(dialogId: string, text: string, role = 'CONSUMER', originatorId = 'consumer-pid', metadata?: Array<Record<string, unknown>>): StoredRecord {
    const records = this.history.get(dialogId) ?? [];
    const record: StoredRecord = {
      sequence: records.length + 1,
      dialogId,
      originatorId,
      originatorMetadata: { id: originatorId, role },
      serverTimestamp: 1_000 + records.length,
      event: { type: 'ContentEvent', contentType: 'text/plain', message: text },
      ...(metadata ? { metadata } : {}),
    };
    records.push(record);
    this.history.set(dialogId, records);
    return record;
  }

  /** Sends a record live to the current socket. */
  live(record: StoredRecord): void {
    this.current?.push({ kind: 'notification', type: '.ams.ms.OnlineEventDistribution', body: record });
  }

  private defaultBody(frame: SentFrame): unknown {
    switch (frame.type) {
      case '.GetClock':
        return { currentTime: 1_000 };
      case '.ams.routing.SubscribeRoutingTasks':
      case '.ams.routing.SubscribeAgentsState':
      case '.ams.aam.SubscribeExConversations':
        return { subscriptionId: `sub-${frame.id}` };
      case '.ams.ms.QueryMessages': {
        const after = Number(frame.body['newerThanSequence'] ?? 0);
        const max = Number(frame.body['maxQuantity'] ?? 100);
        return (this.history.get(String(frame.body['dialogId'])) ?? []).filter((r) => r.sequence > after).slice(0, max);
      }
      case '.ams.ms.PublishEvent': {
        const dialogId = String(frame.body['dialogId']);
        const event = frame.body['event'] as Record<string, unknown>;
        if (event['type'] === 'ChatStateEvent') return { sequence: 0 };
        const record = this.store(dialogId, '', 'ASSIGNED_AGENT', this.legacyId, frame.metadata);
        record.event = event;
        record.originatorMetadata = { id: seedIds.agentPid, role: 'ASSIGNED_AGENT' };
        return { sequence: record.sequence };
      }
      default:
        return 'OK';
    }
  }
}

/**
 * Virtual time for a whole agent: `advance(ms)` runs every timer due up to then, one instant at a
 * time, and lets promises (the login) settle in between. Time moves only when the spec says so.
 */
export function virtualTime(): { scheduler: VirtualTimeScheduler; advance(ms: number): Promise<void>; now(): number } {
  const scheduler = new VirtualTimeScheduler();
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  };
  return {
    scheduler,
    now: () => scheduler.frame,
    async advance(ms: number) {
      const target = scheduler.frame + ms;
      await drain();
      for (;;) {
        const next = scheduler.actions[0];
        if (!next || next.delay > target) break;
        scheduler.maxFrames = next.delay;
        scheduler.flush();
        await drain();
      }
      scheduler.frame = target;
      scheduler.maxFrames = Number.POSITIVE_INFINITY;
    },
  };
}

/** Token credentials that need no network: the hosts are given, so no CSDS call and no login. */
export function tokenConfig(server: FakeServer, scheduler: VirtualTimeScheduler, extra: Partial<AgentConfig> = {}): AgentConfig {
  return { ...fakeOptions(server, scheduler), token: 'bearer-secret', userId: seedIds.agentLegacyId.split('.')[1], userPid: seedIds.agentPid, ...extra } as AgentConfig;
}

/** What every fake agent shares: the seed account, fixed hosts, the fake sockets, virtual time. */
function fakeOptions(server: FakeServer, scheduler: VirtualTimeScheduler): Partial<AgentConfig> {
  return {
    accountId: seedIds.accountId,
    domains: { facadeMsg: 'ums.fake', agentVep: 'vep.fake' },
    scheduler,
    socketFactory: server.factory,
    keepAlive: 0,
    reconnect: { jitter: 0 },
  };
}

/**
 * A fake agentVep: logins and refreshes answered as the spec says (`refresh` returns a status per
 * call), counted.
 */
export function fakeVep(refresh: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })): {
  fetch: typeof fetch;
  logins: () => number;
  refreshes: () => number;
} {
  let logins = 0;
  let refreshes = 0;
  const fetchImpl = (input: string | URL | Request): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/login')) {
      logins++;
      const body = { bearer: `bearer-${logins}`, csrf: `csrf-${logins}`, config: { userId: seedIds.agentLegacyId.split('.')[1], userPid: seedIds.agentPid }, sessionTTl: '600000' };
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'set-cookie': `Session_id=s${logins}` } }));
    }
    if (url.includes('/refresh')) {
      const { status, headers } = refresh(++refreshes);
      return Promise.resolve(new Response(status === 200 ? '' : '{"error":{"message":"nope"}}', { status, headers: headers ?? {} }));
    }
    return Promise.resolve(new Response('not found', { status: 404 }));
  };
  return { fetch: fetchImpl as typeof fetch, logins: () => logins, refreshes: () => refreshes };
}

/** Password credentials against {@link fakeVep}. */
export function passwordConfig(server: FakeServer, scheduler: VirtualTimeScheduler, vep: { fetch: typeof fetch }, extra: Partial<AgentConfig> = {}): AgentConfig {
  return { ...fakeOptions(server, scheduler), username: 'bot', password: 'hunter2', fetch: vep.fetch, ...extra } as AgentConfig;
}

/** An agent over fake sockets in virtual time, with everything it emits recorded. */
export function setup(extra: Parameters<typeof tokenConfig>[2] = {}, vep?: ReturnType<typeof fakeVep>) {
  const clock = virtualTime();
  const server = new FakeServer(clock.scheduler);
  const agent = createAgent(vep ? passwordConfig(server, clock.scheduler, vep, extra) : tokenConfig(server, clock.scheduler, extra));
  const states: Array<[number, ConnectionState]> = [];
  const errors: AgentError[] = [];
  const messages: MessagingEvent[] = [];
  const subs: Subscription[] = [
    agent.connection$.subscribe((s) => states.push([clock.now(), s])),
    agent.errors$.subscribe((e) => errors.push(e)),
    agent.messages$.subscribe((m) => messages.push(m)),
  ];
  const dispose = (): void => {
    agent.dispose();
    for (const s of subs) s.unsubscribe();
  };
  return { clock, server, agent, states, errors, messages, dispose };
}

/** Connects and waits (in virtual time) until open. */
export async function connected(agent: Agent, advance: (ms: number) => Promise<void>): Promise<void> {
  const open = firstValueFrom(agent.connect());
  await advance(10);
  await open;
}

/**
 * Inside a `describe`: `make(...)` sets up an agent over fake sockets (see {@link setup}) that is
 * disposed after each spec; `cleanups` takes any other teardown.
 */
export function agentsDisposedAfterEach(): { make: typeof setup; cleanups: Array<() => void> } {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const make: typeof setup = (...args) => {
    const t = setup(...args);
    cleanups.push(t.dispose);
    return t;
  };
  return { make, cleanups };
}
