import { firstValueFrom } from 'rxjs';
import { createAgent, respond, type Outcome } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { acceptedConversation, next } from './helpers';
import { eventually } from '../support/eventually';

describe('respond across a drop (the emulator over loopback)', () => {
  it('a socket dropped while the handler thinks: the reply is published once, after the reconnect, and the message gets one outcome', async () => {
    const emulator = await startEmulator({ port: 0, seed: 111 });
    const agent = createAgent({ ...emulator.addAgent({ username: 'bot', password: 'pw' }), keepAlive: 0, reconnect: { initialInterval: 20, jitter: 0 } });
    const outcomes: Outcome[] = [];
    let started = false;
    let release!: () => void;
    const thinking = new Promise<void>((resolve) => (release = resolve));
    try {
      agent.run(
        respond(agent, async (m) => {
          started = true;
          await thinking;
          return `re ${String(m.event.message)}`;
        }, { onOutcome: (o) => outcomes.push(o) }),
      );
      const { consumer } = await acceptedConversation(agent, emulator);
      await consumer.send('hello');
      await eventually(() => started, 'the handler to start');

      const dropped = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.dropConnections(1006);
      await dropped;
      release();
      await next(agent.connection$, (s) => s.status === 'open');

      const replies = (): number => (emulator.conversation(consumer.convId)?.events ?? []).filter((e) => e.event.type === 'ContentEvent' && e.event.message === 're hello').length;
      await eventually(() => replies() === 1 && outcomes.length === 1, 'the reply and its outcome');
      // The catch-up after the reconnect delivers nothing twice: no second call, no second reply.
      for (let i = 0; i < 3; i++) await firstValueFrom(agent.getClock());
      expect(replies()).toBe(1);
      expect(outcomes.map((o) => [o.kind, o.messages.length])).toEqual([['reply', 1]]);
    } finally {
      agent.dispose();
      await emulator.close();
    }
  });
});
