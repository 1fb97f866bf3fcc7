import { isLeft } from 'fp-ts/lib/Either.js';
import { WebSocket, type RawData } from 'ws';
import { decodeRequest, requestDefinitions, type Request } from '../protocol/index.js';
import { RequestError, type EmulatorCore } from './core.js';
import { handleRequest, type Reply } from './handlers.js';
import { drawFault, type AgentSocket, type ExSubscription } from './hub.js';
import type { AgentRecord } from './state.js';
import type { PreparedFrames } from './wireFrames.js';

const errorType = '.ReqBody$StringResp';

/**
 * One agent's websocket: decodes each request, answers it (the response first, then whatever
 * notifications the request caused for this socket), and keeps the socket's subscriptions.
 * A frame that fails to decode gets a 400 when its id is readable and is ignored otherwise; the
 * socket stays open either way.
 *
 * @example
 * wss.handleUpgrade(req, socket, head, (ws) => new AgentConnection(ws, agent, bearer, core));
 */
export class AgentConnection implements AgentSocket {
  routingSubscriptionId?: string;
  readonly agentStateSubscriptions = new Map<string, string>();
  readonly exSubscriptions = new Map<string, ExSubscription>();
  /** Frames for this socket produced while a request is handled, sent after its response. */
  private held: string[] | undefined;
  private open = true;
  /** This socket's token bucket under `faults.rateLimit`. */
  private bucket: { tokens: number; at: number } | undefined;
  /** Responses held back by a delay fault. */
  private readonly delayed = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly ws: WebSocket,
    readonly agent: AgentRecord,
    readonly bearer: string,
    private readonly core: EmulatorCore,
  ) {
    ws.on('message', (data: RawData) => this.receive(textOf(data)));
    ws.on('ping', (data: Buffer) => {
      if (!core.faults.silent) ws.pong(data);
    });
    ws.on('close', () => this.detach());
    // An 'error' is always followed by 'close'; listening keeps it from being thrown.
    ws.on('error', () => undefined);
    core.hub.add(this);
  }

  send(text: string): void {
    if (this.held) this.held.push(text);
    else if (this.open && this.ws.readyState === WebSocket.OPEN) {
      if (this.core.frames.enabled) this.core.recordFrame(this.agent, 'out', text);
      this.ws.send(text);
    }
  }

  /** Writes frames encoded ahead of time in one socket write (texts one by one while held). */
  sendMany(frames: PreparedFrames): void {
    // Server frames are unmasked text frames (no extension is negotiated), so writing them on the
    // raw socket bypasses nothing of ws's sender state. `_socket` is ws's (long-stable) handle on
    // the net/tls socket.
    const raw = (this.ws as unknown as { _socket?: { write(chunk: Buffer): boolean } })._socket;
    if (this.held || !this.open || this.ws.readyState !== WebSocket.OPEN || !raw) {
      for (const text of frames.texts) this.send(text);
      return;
    }
    if (this.core.frames.enabled) for (const text of frames.texts) this.core.recordFrame(this.agent, 'out', text);
    raw.write(frames.wire);
  }

  close(code: number, reason = ''): void {
    this.detach();
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.detach();
    this.ws.terminate();
  }

  private detach(): void {
    if (this.open) this.core.sessionEnded(this.agent);
    this.open = false;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    this.core.hub.remove(this);
  }

  private receive(text: string): void {
    if (!this.open || this.core.closed) return;
    if (this.core.frames.enabled) this.core.recordFrame(this.agent, 'in', text);
    const decoded = decodeRequest(text);
    if (isLeft(decoded)) {
      const reqId = decoded.left.reqId ?? readableId(text);
      if (reqId !== undefined) this.respond(reqId, 400, errorType, decoded.left.message);
      return;
    }
    const request = decoded.right;
    this.core.requests.next({ username: this.agent.username, accountId: this.agent.accountId, request });
    const { dropped, delays, random } = this.core.faults;
    if (dropped.has('*') || dropped.has(request.type)) return;
    if (this.rateLimited()) return this.respond(request.id, 429, errorType, 'Too Many Requests');
    const fault = drawFault(this.core.faults, ['dropResponse', 'delayResponse', 'dropConnection']);
    if (fault === 'dropResponse') return;
    if (fault === 'dropConnection') return this.terminate();

    this.held = [];
    const reply = this.run(request);
    const held = this.held;
    this.held = undefined;
    const type = reply.code < 400 ? requestDefinitions[request.type].responseType : errorType;
    const frames = [JSON.stringify({ kind: 'resp', reqId: request.id, code: reply.code, type, body: reply.body }), ...held];
    const delay = fault === 'delayResponse' && random ? 1 + random.random.int(100) : (delays?.get(request.type) ?? delays?.get('*') ?? 0);
    if (delay <= 0) {
      for (const frame of frames) this.send(frame);
      return;
    }
    // The request takes effect now; only what this socket hears about it comes late.
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      for (const frame of frames) this.send(frame);
    }, delay);
    this.delayed.add(timer);
  }

  /** Takes a token from this socket's bucket; true when there was none (the request gets a 429). */
  private rateLimited(): boolean {
    const limit = this.core.faults.rateLimit;
    if (!limit) return false;
    const now = Date.now();
    const bucket = (this.bucket ??= { tokens: limit.burst, at: now });
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1_000);
    bucket.at = now;
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  }

  private run(request: Request): Reply {
    try {
      return handleRequest(this.core, this, request);
    } catch (e) {
      if (e instanceof RequestError) return { code: e.code, body: e.message };
      return { code: 500, body: `Internal emulator error: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private respond(reqId: string, code: number, type: string, body: unknown): void {
    this.send(JSON.stringify({ kind: 'resp', reqId, code, type, body }));
  }
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
}

/** The `id` of a request whose envelope failed to decode, if it has a usable one. */
function readableId(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || !('id' in value)) return undefined;
    const id: unknown = value.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}
