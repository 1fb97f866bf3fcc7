import fc from 'fast-check';
import WebSocket, { type RawData } from 'ws';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeRequest } from '../../src/protocol/index';
import { TestSocket, wsUrl } from '../emulator/wsClient';

// A raw `ws` client throwing garbage at the emulator: each frame gets one clean 400 when it carries
// a readable id, nothing otherwise; the socket stays open and the emulator keeps serving others.

interface Reply {
  reqId: string;
  code: number;
  type: string;
}

/** A socket that sends anything (text or binary) and reads every reply as a response. */
class RawClient {
  readonly replies: Reply[] = [];
  readonly unparsed: string[] = [];
  private waiter: { reqId: string; resolve: () => void } | undefined;
  private closedCode: number | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => this.receive(Buffer.isBuffer(data) ? data.toString('utf8') : String(data)));
    ws.on('close', (code: number) => {
      this.closedCode = code;
    });
  }

  static async open(emulator: Emulator, username: string): Promise<RawClient> {
    const ws = new WebSocket(wsUrl(emulator, emulator.issueToken(username).token));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  get closed(): number | undefined {
    return this.closedCode;
  }

  send(data: string | Buffer): void {
    this.ws.send(data, { binary: Buffer.isBuffer(data) });
  }

  /** Sends a GetClock with this id and resolves once its response arrived: every earlier reply is in. */
  sync(reqId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${reqId}`)), 5_000);
      this.waiter = {
        reqId,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.ws.send(JSON.stringify({ kind: 'req', id: reqId, type: 'GetClock', body: {} }));
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.terminate();
    await closed;
  }

  private receive(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.unparsed.push(text);
      return;
    }
    const r = value as Partial<Reply>;
    if (typeof r.reqId !== 'string' || typeof r.code !== 'number' || typeof r.type !== 'string') {
      this.unparsed.push(text);
      return;
    }
    const reply = { reqId: r.reqId, code: r.code, type: r.type };
    if (this.waiter && reply.reqId === this.waiter.reqId) {
      this.waiter.resolve();
      this.waiter = undefined;
      return;
    }
    this.replies.push(reply);
  }
}

/** The id the emulator can answer a refused frame with, if any. */
function readableId(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !('id' in value)) return undefined;
    const id: unknown = value.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

const garbage: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json({ maxDepth: 3 }),
  // Wrong envelopes and unknown request types, with ids of every shape.
  fc
    .record(
      {
        kind: fc.constantFrom('req', 'resp', 'notification', 'REQ'),
        id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null), fc.boolean()),
        type: fc.oneof(fc.string(), fc.constantFrom('.ams.Nope', 'GetClockk', '.ams.ms.PublishEvent', 'SetAgentState')),
        body: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((f) => JSON.stringify(f)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

describe('the emulator against a client sending garbage', () => {
  let emulator: Emulator;
  const crashes: unknown[] = [];
  const onCrash = (e: unknown): void => {
    crashes.push(e);
  };

  beforeEach(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    emulator = await startEmulator({ port: 0, seed: 22, sessionsPerUser: 'many' });
    emulator.addAgent({ username: 'raw', password: 'pw' });
    emulator.addAgent({ username: 'good', password: 'pw' });
  });
  afterEach(async () => {
    await emulator.close();
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  it('answers each bad frame with one 400 when it has an id, else nothing, and keeps serving', async () => {
    const raw = await RawClient.open(emulator, 'raw');
    const good = await TestSocket.open(emulator, 'good');
    let sync = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(garbage, { minLength: 1, maxLength: 10 }), async (frames) => {
          const expected: string[] = [];
          for (const frame of frames) {
            const text = Buffer.isBuffer(frame) ? frame.toString('utf8') : Buffer.from(frame, 'utf8').toString('utf8');
            raw.send(frame);
            // A frame that happens to be a valid request gets its ordinary answer; that is fine too.
            const decoded = decodeRequest(text);
            const id = isLeft(decoded) ? (decoded.left.reqId ?? readableId(text)) : decoded.right.id;
            if (id !== undefined) expected.push(id);
          }
          const before = raw.replies.length;
          await raw.sync(`sync-${++sync}`);
          const replies = raw.replies.splice(before);
          expect(replies.map((r) => r.reqId)).toEqual(expected);
          for (const r of replies) {
            if (r.code >= 400) expect(r).toMatchObject({ code: 400, type: '.ReqBody$StringResp' });
          }
          expect(raw.unparsed).toEqual([]);
          expect(raw.closed).toBeUndefined();
          await good.sync();
        }),
        { numRuns: 60, seed: 4242, endOnFailure: true },
      );
    } finally {
      await raw.close();
      await good.close();
    }
    expect(crashes).toEqual([]);
  });

  it('survives huge frames, binary frames and abrupt disconnects while serving other sockets', async () => {
    const raw = await RawClient.open(emulator, 'raw');
    const good = await TestSocket.open(emulator, 'good');
    try {
      raw.send('x'.repeat(9 * 1024 * 1024)); // past the decoder's 8 Mi limit, no id: ignored
      raw.send(`{"kind":"req","id":"huge","type":"GetClock","body":{"pad":"${'y'.repeat(9 * 1024 * 1024)}"}}`);
      raw.send(Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
      raw.send(Buffer.from(JSON.stringify({ kind: 'req', id: 'bin', type: 'Nope', body: {} }), 'utf8'));
      await good.sync();
      await raw.sync('after-huge');
      expect(raw.replies).toEqual([
        { reqId: 'huge', code: 400, type: '.ReqBody$StringResp' },
        { reqId: 'bin', code: 400, type: '.ReqBody$StringResp' },
      ]);

      // Sockets that vanish mid-frame or right after sending garbage.
      for (let i = 0; i < 5; i++) {
        const gone = await RawClient.open(emulator, 'raw');
        gone.send('{"kind":"req","id":"x","type":');
        gone.send(JSON.stringify({ kind: 'req', id: `g${i}`, type: '.ams.ms.PublishEvent', body: { dialogId: 'nope' } }));
        await gone.close();
      }
      await good.sync();
      await raw.sync('still-here');
      expect(emulator.connections('good')).toBe(1);
      expect(emulator.connections('raw')).toBe(1);
    } finally {
      await raw.close();
      await good.close();
    }
    expect(crashes).toEqual([]);
  });
});
