import { createServer, type AddressInfo, type Socket } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, take } from 'rxjs';
import WebSocket from 'ws';
import { SocketError } from '../../src/domain/errors';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { acceptWaitingRings, createAgent, openBrowserSocket, type Agent, type SocketHandlers } from '../../src/index';
import { fetchTrusting as browserFetchTrusting } from '../../src/auth/browserPlatform';
import { defaultSocketFactory as browserDefault, openNodeSocket as browserOpenNodeSocket } from '../../src/socket/browserPlatform';
import { defaultSocketFactory as nodeDefault, openNodeSocket } from '../../src/socket/platform';

/**
 * The browser adapter's contract, in Node: `ws`'s client implements the WHATWG WebSocket interface
 * (onopen/onmessage/onerror/onclose, binaryType, close(code, reason) with the same checks), so it
 * stands in for the browser's global here. The real browser is spec/browser/chromium.spec.ts.
 */
interface Recorded {
  readonly handlers: SocketHandlers;
  readonly events: string[];
  readonly messages: string[];
  readonly errors: SocketError[];
  readonly opened: Promise<void>;
  readonly closed: Promise<[number, string]>;
}

function record(): Recorded {
  const events: string[] = [];
  const messages: string[] = [];
  const errors: SocketError[] = [];
  let opened!: () => void;
  let closed!: (value: [number, string]) => void;
  const openedP = new Promise<void>((resolve) => (opened = resolve));
  const closedP = new Promise<[number, string]>((resolve) => (closed = resolve));
  return {
    events,
    messages,
    errors,
    opened: openedP,
    closed: closedP,
    handlers: {
      onOpen: () => {
        events.push('open');
        opened();
      },
      onMessage: (text) => {
        events.push('message');
        messages.push(text);
      },
      onError: (error) => {
        events.push('error');
        errors.push(error);
      },
      onClose: (code, reason) => {
        events.push(`close ${code}`);
        closed([code, reason]);
      },
      onPong: () => events.push('pong'),
    },
  };
}

const tick = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('openBrowserSocket (over a WHATWG WebSocket)', () => {
  let emulator: Emulator;
  const agents: Agent[] = [];
  const url = (token: string): string => `ws://${emulator.host}/ws_api/account/${emulator.accountId}/messaging/brand/${token}?v=2.1`;

  beforeAll(() => {
    Reflect.set(globalThis, 'WebSocket', WebSocket);
  });
  afterAll(() => {
    Reflect.deleteProperty(globalThis, 'WebSocket');
  });
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.dispose();
    await emulator.close();
  });

  it('opens, sends, receives text frames and reports onClose exactly once', async () => {
    const r = record();
    const socket = openBrowserSocket(url(emulator.issueToken('bot').token), r.handlers);
    expect(socket.send('too early')).toBe(false);
    await r.opened;
    expect(socket.send(JSON.stringify({ kind: 'req', id: '1', type: '.GetClock', body: {} }))).toBe(true);
    while (r.messages.length === 0) await tick(10);
    expect(JSON.parse(r.messages[0] ?? '')).toMatchObject({ kind: 'resp', reqId: '1', code: 200 });
    socket.close(1000, 'bye');
    socket.close(1000, 'again');
    expect(await r.closed).toEqual([1000, 'bye']);
    await tick();
    expect(r.events.filter((e) => e.startsWith('close'))).toEqual(['close 1000']);
    expect(socket.send('late')).toBe(false);
  });

  it('reports a refused upgrade (bad bearer) as a SocketError, then closes once with 1006', async () => {
    const r = record();
    openBrowserSocket(url('not-a-bearer'), r.handlers);
    expect((await r.closed)[0]).toBe(1006);
    await tick();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(SocketError);
    expect(r.events).toEqual(['error', 'close 1006']);
  });

  it('terminate() reports 1006 at once, without waiting for the peer, and only once', async () => {
    const r = record();
    const socket = openBrowserSocket(url(emulator.issueToken('bot').token), r.handlers);
    await r.opened;
    emulator.faults.stopAnswering();
    socket.terminate();
    socket.terminate();
    expect(await r.closed).toEqual([1006, 'terminated']);
    await tick();
    expect(r.events).toEqual(['open', 'close 1006']);
  });

  it('close() before the handshake completes ends in one onClose and no error', async () => {
    const r = record();
    const socket = openBrowserSocket(url(emulator.issueToken('bot').token), r.handlers);
    socket.close();
    expect((await r.closed)[0]).toBe(1006);
    await tick();
    expect(r.events).toEqual(['close 1006']);
  });

  it('reports a handshake timeout as a SocketError then 1006', async () => {
    // A server that accepts the TCP connection and never answers the upgrade.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const r = record();
      openBrowserSocket(`ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`, r.handlers, { handshakeTimeout: 100 });
      expect(await r.closed).toEqual([1006, 'handshake timeout']);
      expect(r.errors[0]?.message).toMatch(/handshake timed out after 100 ms/);
      await tick();
      expect(r.events).toEqual(['error', 'close 1006']);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('sends no ping, and takes the next frame after a ping as the pong', async () => {
    const r = record();
    const socket = openBrowserSocket(url(emulator.issueToken('bot').token), r.handlers);
    await r.opened;
    socket.ping();
    socket.send(JSON.stringify({ kind: 'req', id: '1', type: '.GetClock', body: {} }));
    socket.send(JSON.stringify({ kind: 'req', id: '2', type: '.GetClock', body: {} }));
    while (r.messages.length < 2) await tick(10);
    expect(r.events).toEqual(['open', 'pong', 'message', 'message']);
    socket.close();
    await r.closed;
  });

  it('is the socket of a whole agent: rings, accepts, gets messages, and survives keep-alives', async () => {
    const agent = createAgent({ ...emulator.issueToken('bot'), socketFactory: openBrowserSocket, keepAlive: 50, reconnect: false });
    agents.push(agent);
    const states: string[] = [];
    agent.connection$.subscribe((s) => states.push(s.status));
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    agent.run(agent.rings$.pipe(acceptWaitingRings()));
    await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [emulator.agentIdentity('bot').legacyId] }));
    const text = firstValueFrom(
      agent.messages$.pipe(filter((m) => m.type === 'ContentEvent' && m.event.message === 'hello from the consumer')),
    );
    const consumer = await emulator.consumer({ skillId: '-1' });
    await firstValueFrom(agent.conversations$.pipe(filter((c) => c.convId === consumer.convId && c.myRole !== undefined)));
    await consumer.send('hello from the consumer');
    expect(await text).toMatchObject({ convId: consumer.convId });
    // Several keep-alive rounds: a browser has no ws pong, the GetClock answers stand in for it. The
    // rounds are counted, not timed; a stalled event loop is not taken for a dead peer.
    await lastValueFrom(emulator.requests$.pipe(filter((r) => r.username === 'bot' && r.request.type === '.GetClock'), take(5)));
    expect(states.filter((s) => s !== 'open' && s !== 'connecting' && s !== 'closed')).toEqual([]);
    expect(emulator.connections('bot')).toBe(1);
  });
});

describe('the platform modules', () => {
  it('default to ws in Node and to the native WebSocket in browsers', () => {
    expect(nodeDefault).toBe(openNodeSocket);
    expect(browserDefault).toBe(openBrowserSocket);
  });

  it('make openNodeSocket a clear error in browsers', () => {
    const r = record();
    expect(() => browserOpenNodeSocket('ws://127.0.0.1:1/', r.handlers)).toThrow(SocketError);
    expect(() => browserOpenNodeSocket('ws://127.0.0.1:1/', r.handlers)).toThrow(/openBrowserSocket/);
  });

  it('make fetchTrusting the global fetch in browsers (the browser trusts its own store)', async () => {
    const original = globalThis.fetch;
    const calls: string[] = [];
    globalThis.fetch = (input) => {
      calls.push(String(input));
      return Promise.resolve(new Response('{}'));
    };
    try {
      await browserFetchTrusting('-----BEGIN CERTIFICATE-----')('https://example.invalid/x');
      expect(calls).toEqual(['https://example.invalid/x']);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('say what is missing when there is no global WebSocket', () => {
    const saved: unknown = Reflect.get(globalThis, 'WebSocket');
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      expect(() => openBrowserSocket('ws://127.0.0.1:1/', record().handlers)).toThrow(/global WebSocket/);
    } finally {
      if (saved !== undefined) Reflect.set(globalThis, 'WebSocket', saved);
    }
  });
});
