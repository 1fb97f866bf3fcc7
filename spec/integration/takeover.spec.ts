import { firstValueFrom } from 'rxjs';
import { createAgent, type AgentError, type ConnectionState } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { next } from './helpers';

describe('one session per agent user', () => {
  it('a second process of the same bot user takes over; the first stops with SessionTakenOver instead of fighting back', async () => {
    const emulator = await startEmulator({ port: 0, seed: 41 });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const first = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 } });
    const second = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 } });
    const errors: AgentError[] = [];
    const states: ConnectionState['status'][] = [];
    first.errors$.subscribe((e) => errors.push(e));
    first.connection$.subscribe((s) => states.push(s.status));
    try {
      await firstValueFrom(first.connect());
      const closed = next(first.connection$, (s) => s.status === 'closed');
      await firstValueFrom(second.connect());
      await closed;
      expect(errors.map((e) => e.kind)).toEqual(['SessionTakenOver']);
      expect(errors[0]?.message).toMatch(/another session of this agent user took over \(close 4409/);
      // No duel: the second keeps its session, round trip after round trip.
      for (let i = 0; i < 5; i++) await firstValueFrom(second.getClock());
      expect(emulator.connections('bot')).toBe(1);
      expect(states.filter((s) => s === 'reconnecting')).toEqual([]);
      // The emulator saw the second login open while the first session was live: one overlap.
      expect(emulator.overlaps()).toBe(1);
      // connect() on the stopped agent starts over and takes the session back, on purpose.
      await firstValueFrom(first.connect());
      await next(second.errors$, (e) => e.kind === 'SessionTakenOver');
    } finally {
      first.dispose();
      second.dispose();
      await emulator.close();
    }
  });

  it('takes the session back under the reconnect policy when configured to', async () => {
    const emulator = await startEmulator({ port: 0, seed: 42 });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const first = createAgent({ ...creds, keepAlive: 0, onSessionTakenOver: 'reconnect', reconnect: { initialInterval: 10, jitter: 0 } });
    const other = createAgent({ ...creds, keepAlive: 0, reconnect: false });
    try {
      await firstValueFrom(first.connect());
      const back = next(first.connection$, (s) => s.status === 'reconnecting');
      await firstValueFrom(other.connect());
      await back;
      await next(first.connection$, (s) => s.status === 'open');
      await next(other.connection$, (s) => s.status === 'closed');
      expect(emulator.connections('bot')).toBe(1);
    } finally {
      first.dispose();
      other.dispose();
      await emulator.close();
    }
  });

  it('closed() resolves once the server has seen the disposed agent\'s socket close', async () => {
    const emulator = await startEmulator({ port: 0, seed: 43 });
    const creds = emulator.addAgent({ username: 'bot', password: 'pw' });
    const agent = createAgent({ ...creds, keepAlive: 0 });
    try {
      await firstValueFrom(agent.connect());
      expect(emulator.connections('bot')).toBe(1);
      agent.dispose();
      await agent.closed();
      expect(emulator.connections('bot')).toBe(0);
      await agent.closed();
      const reopened = next(emulator.sessions$, (s) => s.type === 'open');
      const again = createAgent({ ...creds, keepAlive: 0 });
      await firstValueFrom(again.connect());
      expect(await reopened).toMatchObject({ username: 'bot', live: 1, overlapped: false });
      again.dispose();
      await again.closed();
      expect(emulator.overlaps()).toBe(0);
    } finally {
      agent.dispose();
      await emulator.close();
    }
  });
});
