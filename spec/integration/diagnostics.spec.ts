import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { firstValueFrom } from 'rxjs';
import { channelNames, createAgent, sendText, type Agent, type CatchUpMessage, type ConnectionMessage, type DecodeMessage, type MessageMessage, type ReconnectMessage, type RequestMessage } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { acceptedConversation, next } from './helpers';
import { eventually } from '../support/eventually';

describe('diagnostics channels and agent.stats() (the emulator over loopback)', () => {
  let emulator: Emulator;
  let agent: Agent;
  const seen: Record<string, unknown[]> = {};
  const listeners: Array<[string, (m: unknown) => void]> = [];
  const requests = tracingChannel(channelNames.request);
  const traced = { start: [] as RequestMessage[], asyncEnd: [] as RequestMessage[], error: [] as RequestMessage[] };
  const tracer = {
    start: (m: unknown) => void traced.start.push(m as RequestMessage),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (m: unknown) => void traced.asyncEnd.push(m as RequestMessage),
    error: (m: unknown) => void traced.error.push(m as RequestMessage),
  };

  beforeAll(async () => {
    for (const name of Object.values(channelNames)) {
      if (name === channelNames.request) continue;
      const listener = (m: unknown): void => void (seen[name] ??= []).push(m);
      subscribe(name, listener);
      listeners.push([name, listener]);
    }
    requests.subscribe(tracer);
    emulator = await startEmulator({ port: 0, seed: 31 });
  });

  afterAll(async () => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
    requests.unsubscribe(tracer);
    await emulator.close();
  });

  const of = <T>(name: string): T[] => (seen[name] ?? []) as T[];

  it('publishes the lifecycle, connection states, requests, messages, reconnects, catch-up and decode problems; stats() follows', async () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'pw-secret', skills: ['-1'] });
    agent = createAgent({ ...creds, keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 } });
    try {
      expect(of<{ agent: Agent; event: string }>(channelNames.agent).filter((m) => m.agent === agent).map((m) => m.event)).toEqual(['created']);
      const { consumer } = await acceptedConversation(agent, emulator);
      const hello$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && !m.isMe);
      await consumer.send('hello');
      const hello = await hello$;
      await firstValueFrom(agent.execute(sendText(hello.dialogId, 'hi', { replyTo: hello })));
      await firstValueFrom(agent.getClock());

      // connection states, in order
      expect(of<ConnectionMessage>(channelNames.connection).map((m) => m.state.status)).toEqual(['connecting', 'open']);
      // a request traced from start to end, with its duration and outcome; the same context object
      const clock = traced.asyncEnd.find((m) => m.type === '.GetClock');
      expect(clock).toMatchObject({ agent, outcome: 'ok', code: 200 });
      expect(clock?.duration).toBeGreaterThanOrEqual(0);
      expect(traced.start).toContain(clock);
      expect(traced.start.length).toBe(traced.asyncEnd.length);
      // messages in and out
      const messages = of<MessageMessage>(channelNames.message);
      expect(messages.filter((m) => m.direction === 'in').map((m) => m.eventType)).toContain('ContentEvent');
      expect(messages.filter((m) => m.direction === 'out')).toEqual([{ agent, direction: 'out', eventType: 'ContentEvent' }]);
      // joining the conversation fetched its history
      expect(of<CatchUpMessage>(channelNames.catchUp)).toContainEqual(expect.objectContaining({ agent, dialogId: consumer.convId, kind: 'join' }));

      const stats = agent.stats();
      expect(stats).toMatchObject({ status: 'open', reconnects: 0, pendingRequests: 0, openConversations: 1, followedDialogs: 1, catchUpBacklog: 0, messagesOut: 1 });
      expect(stats.messagesIn).toBeGreaterThanOrEqual(1);
      expect(stats.rtt).toBeGreaterThanOrEqual(0);
      expect(Math.abs(stats.clockSkew ?? Infinity)).toBeLessThan(1_000); // one machine: no skew to speak of
      expect(stats.uptime).toBeGreaterThanOrEqual(0);

      // a failed request: traced with its error, before its end
      await expect(firstValueFrom(agent.request('.ams.NoSuchRequest', {}))).rejects.toBeDefined();
      const failed = traced.error.at(-1);
      expect(failed).toMatchObject({ type: '.ams.NoSuchRequest', outcome: 'failed' });
      expect(failed?.error?.kind).toBe('RequestFailed');

      // a drop: a reconnect with its reason, then catch-up of the followed dialog, which changed while
      // the agent was away (an unchanged one needs no catch-up: its snapshot says so)
      const dropped = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.dropConnections(1006);
      await dropped;
      await consumer.send('written while the agent was away');
      await next(agent.connection$, (s) => s.status === 'open');
      expect(of<ReconnectMessage>(channelNames.reconnect)).toEqual([{ agent, attempt: 1, code: 1006, reason: 'ConnectionClosed' }]);
      await eventually(() => of<CatchUpMessage>(channelNames.catchUp).some((m) => m.kind === 'catch-up'), 'the catch-up');
      expect(agent.stats().reconnects).toBe(1);

      // a frame that does not decode
      emulator.injectFrame('{not json');
      await eventually(() => of<DecodeMessage>(channelNames.decode).length > 0, 'a decode message');
      expect(of<DecodeMessage>(channelNames.decode)[0]?.error.kind).toMatch(/Decode/);

      // nothing carries a secret
      expect(JSON.stringify([...traced.asyncEnd, ...of(channelNames.connection)].map((m) => ({ ...(m as object), agent: undefined })))).not.toContain('pw-secret');
    } finally {
      agent.dispose();
    }
    expect(of<{ agent: Agent; event: string }>(channelNames.agent).filter((m) => m.agent === agent).map((m) => m.event)).toEqual(['created', 'disposed']);
    expect(agent.stats().status).toBe('closed');
  });
});
