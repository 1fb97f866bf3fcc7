import { isLeft } from 'fp-ts/lib/Either.js';
import WebSocket from 'ws';
import type { Emulator } from '../../src/emulator/index';
import type { NotificationBody } from '../../src/emulator/engine/hub';
import { decodeFrame, type Frame, type NotificationType, type Response } from '../../src/protocol/index';

/**
 * A bare websocket client for specs: every frame it receives goes through the client's own
 * `decodeFrame`, so a frame the emulator sends that the client cannot decode fails the spec.
 * `take` hands out frames in arrival order, each once, whether it already arrived or not.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly raw: string[] = [];
  readonly decodeErrors: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly used = new Set<Frame>();
  private readonly waiters: Array<{ predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  private nextId = 0;

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer) => this.receive(data.toString('utf8')));
  }

  /** Opens a socket on the emulator with a bearer (a fresh one for `username` by default). */
  static async open(emulator: Emulator, username: string, bearer = emulator.issueToken(username).token): Promise<TestSocket> {
    const ws = new WebSocket(wsUrl(emulator, bearer));
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Sends a request and resolves with its response (any code). */
  request(type: string, body: unknown = {}, extra: { metadata?: unknown[]; headers?: unknown[] } = {}): Promise<Response> {
    const id = `r${++this.nextId}`;
    this.ws.send(JSON.stringify({ kind: 'req', id, type, body, ...extra }));
    return this.take((f): f is Response => f.kind === 'resp' && f.reqId === id);
  }

  /** Sends a request and resolves with the body of its successful (< 400) response. */
  async ok(type: string, body: unknown = {}, extra: { metadata?: unknown[]; headers?: unknown[] } = {}): Promise<unknown> {
    const response = await this.request(type, body, extra);
    if (response.code >= 400) throw new Error(`${type} failed with ${response.code}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** The first not yet taken notification of this type matching `predicate`. */
  async notification<K extends NotificationType>(type: K, predicate: (body: NotificationBody<K>) => boolean = () => true): Promise<NotificationBody<K>> {
    // decodeFrame checked the body against the codec of `type`.
    const frame = await this.take((f) => f.kind === 'notification' && f.type === type && predicate(f.body as NotificationBody<K>));
    return frame.body as NotificationBody<K>;
  }

  /** Every notification of this type received so far. */
  all<K extends NotificationType>(type: K): Array<NotificationBody<K>> {
    return this.frames.filter((f) => f.kind === 'notification' && f.type === type).map((f) => f.body as NotificationBody<K>);
  }

  /** A GetClock round trip: every frame the server sent before answering it has arrived. */
  async sync(): Promise<void> {
    await this.ok('.GetClock');
  }

  /** The first frame not yet taken that matches, in arrival order. */
  take<F extends Frame>(predicate: (f: Frame) => f is F): Promise<F>;
  take(predicate: (f: Frame) => boolean): Promise<Frame>;
  take(predicate: (f: Frame) => boolean): Promise<Frame> {
    const found = this.frames.find((f) => !this.used.has(f) && predicate(f));
    if (found) {
      this.used.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    await this.closed;
  }

  private receive(text: string): void {
    this.raw.push(text);
    const decoded = decodeFrame(text);
    if (isLeft(decoded)) {
      this.decodeErrors.push(decoded.left.message);
      return;
    }
    const frame = decoded.right;
    this.frames.push(frame);
    const index = this.waiters.findIndex((w) => w.predicate(frame));
    const waiter = this.waiters[index];
    if (waiter) {
      this.waiters.splice(index, 1);
      this.used.add(frame);
      waiter.resolve(frame);
    }
  }
}

/** The brand websocket URL for a bearer. */
export function wsUrl(emulator: Emulator, bearer: string, accountId = emulator.accountId): string {
  return `ws://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${bearer}?v=2.1`;
}

/** The HTTP status a websocket upgrade gets: 101 when it opens, else the refusal's status. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('error', (e) => resolve(Number(/Unexpected server response: (\d+)/.exec(e.message)?.[1] ?? 0)));
  });
}

/** POSTs JSON to the emulator. */
export async function post(
  emulator: Emulator,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
  const response = await fetch(`http://${emulator.host}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}

/** Logs in as an emulator agent by password and returns the bearer. */
export async function loginBearer(emulator: Emulator, username: string, password: string): Promise<string> {
  const { json } = await post(emulator, `/api/account/${emulator.accountId}/login?v=1.3`, { username, password });
  return (json as { bearer: string }).bearer;
}

/** Makes an agent ONLINE with a routing subscription on this socket. */
export async function goOnline(socket: TestSocket, emulator: Emulator, username: string): Promise<void> {
  const { legacyId } = emulator.agentIdentity(username);
  await socket.ok('.ams.routing.SubscribeRoutingTasks', { channelType: 'MESSAGING', agentId: legacyId, brandId: emulator.accountId });
  await socket.ok('.ams.routing.SetAgentState', { channels: ['MESSAGING'], agentUserId: legacyId, availability: 'ONLINE' });
}

/** Makes `socket` (online, subscribed to routing) accept its next ring: it becomes the assigned agent. */
export async function acceptNextRing(socket: TestSocket): Promise<void> {
  const ring = await socket.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
  await socket.ok('.ams.routing.UpdateRingState', { ringId: ring.changes[0]?.result.ringsDetails[0]?.ringId, ringState: 'ACCEPTED' });
}

/**
 * Sockets opened by one spec, closed together afterwards with a check that every frame the
 * emulator sent them decoded with the client's own codecs.
 */
export function socketPool(emulator: () => Emulator): { open(username: string): Promise<TestSocket>; closeAll(): Promise<void> } {
  const sockets: TestSocket[] = [];
  return {
    async open(username: string): Promise<TestSocket> {
      const socket = await TestSocket.open(emulator(), username);
      sockets.push(socket);
      return socket;
    },
    async closeAll(): Promise<void> {
      const used = sockets.splice(0);
      await Promise.all(used.map((s) => s.close()));
      expect(used.flatMap((s) => s.decodeErrors)).toEqual([]);
    },
  };
}

/** Sends UpdateConversationField and resolves with the response. */
export function updateConversationField(socket: TestSocket, conversationId: string, conversationField: unknown): ReturnType<TestSocket['request']> {
  return socket.request('.ams.cm.UpdateConversationField', { conversationId, conversationField });
}
