import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { EmulatorCore } from '../../src/emulator/engine/core';
import type { AgentSocket } from '../../src/emulator/engine/hub';
import { startEmulator } from '../../src/emulator/index';
import { createClock } from '../../src/emulator/engine/clock';
import { createRandom } from '../../src/emulator/engine/random';
import { EmulatorState } from '../../src/emulator/engine/state';
import { goOnline, post, TestSocket } from './wsClient';
import { eventually } from '../support/eventually';

/** Node's live servers, sockets and timers (other kinds come and go with jest itself). */
function activeResources(): { servers: number; sockets: number; timers: number } {
  const all = process.getActiveResourcesInfo();
  const count = (kind: string) => all.filter((r) => r === kind).length;
  return { servers: count('TCPServerWrap'), sockets: count('TCPSocketWrap'), timers: count('Timeout') };
}

/** Yields to the event loop until `condition` holds, at most `turns` times. */

describe('emulator lifecycle', () => {
  it('close() leaves no server, socket or timer behind', async () => {
    const before = activeResources();
    const emulator = await startEmulator({ seed: 3, sessionsPerUser: 'many' });
    const sockets: TestSocket[] = [];
    let during: ReturnType<typeof activeResources> | undefined;
    try {
      emulator.addAgent({ username: 'bot', password: 'secret' });
      await post(emulator, `/api/account/${emulator.accountId}/login?v=1.3`, { username: 'bot', password: 'secret' });
      sockets.push(await TestSocket.open(emulator, 'bot'), await TestSocket.open(emulator, 'bot'));
      const [first] = sockets;
      if (!first) throw new Error('no socket');
      await goOnline(first, emulator, 'bot');
      await emulator.consumer(); // a WAITING ring: an expiry timer is running
      await first.notification('.ams.routing.RoutingTaskNotification', (b) => b.changes.length > 0);
      during = activeResources();
    } finally {
      await emulator.close();
    }
    // Handles of an earlier spec file in this worker may still be closing at `before`: compare with <=.
    expect(during?.servers).toBeGreaterThan(0);
    expect(during?.sockets).toBeGreaterThanOrEqual(4); // 2 websockets, both ends

    await Promise.all(sockets.map((s) => s.closed));
    const clean = () => {
      const now = activeResources();
      return now.servers <= before.servers && now.sockets <= before.sockets && now.timers <= before.timers;
    };
    await eventually(clean, 'every server, socket and timer gone');
    const after = activeResources();
    expect(after.servers).toBeLessThanOrEqual(before.servers);
    expect(after.sockets).toBeLessThanOrEqual(before.sockets);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
  });

  it('dispose() clears every ring expiry timer', () => {
    jest.useFakeTimers();
    try {
      const state = new EmulatorState('1', createRandom(1), createClock());
      const core = new EmulatorCore(state, { ringExpiration: 72_000 });
      const agent = state.addAgent({ username: 'bot', password: 'pw' });
      const sent: string[] = [];
      const socket: AgentSocket = {
        agent,
        bearer: 'b',
        routingSubscriptionId: 'sub',
        agentStateSubscriptions: new Map(),
        exSubscriptions: new Map(),
        send: (text) => sent.push(text),
        sendMany: (frames) => sent.push(...frames.texts),
        close: () => undefined,
        terminate: () => undefined,
      };
      core.hub.add(socket);
      core.setAgentState(agent, 'ONLINE', undefined);
      core.openConversation(state.addConsumer(), '-1');
      core.openConversation(state.addConsumer(), '-1');
      expect(sent.filter((t) => t.includes('"WAITING"'))).toHaveLength(2);
      expect(jest.getTimerCount()).toBe(2);
      core.dispose();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('close() completes the streams, is idempotent, and refuses new work', async () => {
    const emulator = await startEmulator();
    const consumer = await emulator.consumer();
    const received = lastValueFrom(consumer.received$.pipe(toArray()));
    const requests = lastValueFrom(emulator.requests$.pipe(toArray()));
    await Promise.all([emulator.close(), emulator.close()]);
    await emulator.close();
    await expect(received).resolves.toEqual([]);
    await expect(requests).resolves.toEqual([]);
    await expect(emulator.consumer()).rejects.toThrow(/closed/);
    await expect(consumer.send('anyone?')).rejects.toThrow(/closed/);
    await expect(fetch(`http://${emulator.host}/api/account/${emulator.accountId}/service/baseURI.json`)).rejects.toThrow();
  });

  it('runs several emulators side by side without sharing state', async () => {
    const [a, b] = await Promise.all([startEmulator({ seed: 5 }), startEmulator({ seed: 5, accountId: '999' })]);
    try {
      a.addAgent({ username: 'bot', password: 'x' });
      b.addAgent({ username: 'bot', password: 'y' });
      const socket = await TestSocket.open(a, 'bot');
      const consumer = await a.consumer();
      expect(b.conversation(consumer.convId)).toBeUndefined();
      expect([a.connections(), b.connections()]).toEqual([1, 0]);
      expect(b.agentIdentity('bot').legacyId.startsWith('999.')).toBe(true);
      const request = firstValueFrom(a.requests$);
      await socket.sync();
      expect((await request).username).toBe('bot');
      await socket.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
