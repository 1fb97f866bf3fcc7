import { isLeft } from 'fp-ts/lib/Either.js';
import type { Subscription } from 'rxjs';
import { decodeRequest, requestDefinitions, type Request } from '../../protocol/index.js';
import { RequestError, type EmulatorCore } from './core.js';
import { drawFault, takeNextFault } from './faults.js';
import { handleRequest, type Reply } from './handlers.js';
import type { AgentSocket, ExSubscription } from './hub.js';
import type { AgentRecord } from './state.js';
import type { PreparedFrames } from './wireFrames.js';

const errorType = '.ReqBody$StringResp';

/**
 * The wire under one agent session, as an adapter provides it: a websocket (`adapters/wsServer`)
 * or an in-memory pipe (`adapters/memory`). The session calls it; the adapter calls the session's
 * `receive`, `answersPing` and `ended`.
 *
 * @example
 * const transport: SessionTransport = { send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason), terminate: () => ws.terminate() };
 */
export interface SessionTransport {
  /** Sends one text frame; false when the wire is no longer open (nothing sent). */
  send(text: string): boolean;
  /** Writes frames encoded ahead of time in one go; false when it cannot (the session then sends the texts). */
  sendMany?(frames: PreparedFrames): boolean;
  /** Closes with a close frame. */
  close(code: number, reason: string): void;
  /** Drops the wire at once (the peer sees 1006). */
  terminate(): void;
}

/**
 * One agent session (one websocket, whatever carries it): decodes each request text, answers it
 * (the response first, then whatever notifications the request caused for this session), and
 * keeps the session's subscriptions. A frame that fails to decode gets a 400 when its id is
 * readable and is ignored otherwise; the session stays open either way. Delays run on the
 * engine's clock.
 *
 * @example
 * const session = new AgentSession(agent, bearer, core, transport);
 * session.receive('{"kind":"req","id":"1","type":"GetClock","body":{}}'); // transport.send('{"kind":"resp",...}')
 * session.ended(); // the peer went away
 */
export class AgentSession implements AgentSocket {
  routingSubscriptionId?: string;
  readonly agentStateSubscriptions = new Map<string, string>();
  readonly exSubscriptions = new Map<string, ExSubscription>();
  /** Frames for this session produced while a request is handled, sent after its response. */
  private held: string[] | undefined;
  private open = true;
  /** This session's token bucket under `faults.rateLimit`. */
  private bucket: { tokens: number; at: number } | undefined;
  /** Responses held back by a delay fault. */
  private readonly delayed = new Set<Subscription>();

  constructor(
    readonly agent: AgentRecord,
    readonly bearer: string,
    private readonly core: EmulatorCore,
    private readonly transport: SessionTransport,
  ) {
    core.hub.add(this);
  }

  /** Whether the session is still attached to the engine. */
  get isOpen(): boolean {
    return this.open;
  }

  send(text: string): void {
    if (this.held) this.held.push(text);
    else if (this.open && this.transport.send(text) && this.core.frames.enabled) this.core.recordFrame(this.agent, 'out', text);
  }

  /** Writes frames encoded ahead of time in one write (texts one by one while held). */
  sendMany(frames: PreparedFrames): void {
    if (this.held || !this.open || !this.transport.sendMany?.(frames)) {
      for (const text of frames.texts) this.send(text);
      return;
    }
    if (this.core.frames.enabled) for (const text of frames.texts) this.core.recordFrame(this.agent, 'out', text);
  }

  close(code: number, reason = ''): void {
    this.ended();
    this.transport.close(code, reason);
  }

  terminate(): void {
    this.ended();
    this.transport.terminate();
  }

  /** Whether a ping gets its pong: not from a half-dead server (`faults.stopAnswering`). */
  answersPing(): boolean {
    return this.open && !this.core.faults.silent;
  }

  /** The wire closed (either side): the session leaves the engine, its delayed responses are dropped. */
  ended(): void {
    if (this.open) this.core.sessionEnded(this.agent);
    this.open = false;
    for (const timer of this.delayed) timer.unsubscribe();
    this.delayed.clear();
    this.core.hub.remove(this);
  }

  /** One text frame from the agent. */
  receive(text: string): void {
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
    const next = takeNextFault(this.core.faults, request.type);
    if (next?.kind === 'noAnswer') return;
    if (next?.kind === 'dropConnection') return this.terminate();
    if (next?.kind === 'status') return this.respond(request.id, next.code, errorType, next.message ?? `Injected fault ${next.code}`);
    if (this.rateLimited()) return this.respond(request.id, 429, errorType, 'Too Many Requests');
    const fault = next ? undefined : drawFault(this.core.faults, ['dropResponse', 'delayResponse', 'dropConnection']);
    if (fault === 'dropResponse') return;
    if (fault === 'dropConnection') return this.terminate();

    this.held = [];
    const reply = this.run(request);
    const held = this.held;
    this.held = undefined;
    if (next?.kind === 'dropAfterEffect') return this.terminate();
    const type = reply.code < 400 ? requestDefinitions[request.type].responseType : errorType;
    const response = JSON.stringify({ kind: 'resp', reqId: request.id, code: reply.code, type, body: reply.body });
    const frames = next?.kind === 'loseResponse' ? held : [response, ...held];
    const delay =
      next?.kind === 'late' ? next.ms : fault === 'delayResponse' && random ? 1 + random.random.int(100) : (delays?.get(request.type) ?? delays?.get('*') ?? 0);
    if (delay <= 0) {
      for (const frame of frames) this.send(frame);
      return;
    }
    // The request takes effect now; only what this session hears about it comes late.
    const timer = this.core.state.clock.schedule(() => {
      this.delayed.delete(timer);
      for (const frame of frames) this.send(frame);
    }, delay);
    this.delayed.add(timer);
  }

  /** Takes a token from this session's bucket; true when there was none (the request gets a 429). */
  private rateLimited(): boolean {
    const limit = this.core.faults.rateLimit;
    if (!limit) return false;
    const now = this.core.state.clock.now();
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
