import { createEnvironmentInjector, EnvironmentInjector, inject, InjectionToken, NgZone, type Signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { TestBed } from '@angular/core/testing';
import { filter, finalize, firstValueFrom, from, map, merge, type Observable } from 'rxjs';
import { acceptWaitingRings, contentEvents, dedupeConversations, openNodeSocket, sendText, type Agent, type Command, type CommandResult, type ConversationChange, type SocketFactory } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import {
  injectLpAgent,
  LP_AGENT,
  provideLpAgent,
  provideLpPipelines,
  withPipelines,
  type LpAgentStreams,
  type LpPipelineClass,
  type LpPipelineFn,
} from '../../src/angular/index';
import { collect, next } from '../integration/helpers';
import { configureTestBed } from './testBed';
import { eventually } from '../support/eventually';

/** Goes online, follows its own conversations and accepts every waiting ring. */
const acceptRings: LpPipelineFn = (agent) =>
  merge(
    from<Command[]>([
      { type: '.ams.routing.SubscribeRoutingTasks', body: {} },
      { type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE' } },
      { type: '.ams.aam.SubscribeExConversations', body: { convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] } },
    ]),
    agent.rings$.pipe(acceptWaitingRings()),
  );

const isAssigned = (c: ConversationChange): boolean => c.myRole === 'ASSIGNED_AGENT';
const isOk = (type: Command['type']) => (r: CommandResult) => r.ok && r.command.type === type;

describe('lp-agent-rx/angular with the real injector, against the emulator', () => {
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
  });

  const afterTest: Array<() => void> = [];
  afterEach(async () => {
    for (const f of afterTest.splice(0)) f();
    TestBed.resetTestingModule();
    await emulator.close();
  });

  /** Provides the agent with `acceptRings` and waits until it is online and subscribed. */
  async function onlineAgent(): Promise<Agent> {
    configureTestBed([provideLpAgent({ ...emulator.issueToken('bot'), keepAlive: 0 }, withPipelines(acceptRings))]);
    const agent = TestBed.inject(LP_AGENT);
    await collect(agent.results$, 3, (r) => r.ok);
    return agent;
  }

  it('connects the agent when the injector is created, outside the Angular zone', async () => {
    configureTestBed([]);
    // The injector is created inside the zone, as an app's is: only the adapter's own
    // runOutsideAngular keeps the agent's timers (keep-alive, here) out of it. A timer started
    // inside the zone would run change detection on every tick.
    const pings: boolean[] = [];
    const socketFactory: SocketFactory = (url, handlers, options) => {
      const socket = openNodeSocket(url, handlers, options);
      return { ...socket, ping: () => (pings.push(NgZone.isInAngularZone()), socket.ping()) };
    };
    const zone = TestBed.inject(NgZone);
    // In Node, zone.js does not track ws events or native async functions, so the agent's work
    // would leave the zone by itself after the first await: what must not happen in the zone is
    // the agent's creation and its connect(), which the adapter hands to runOutsideAngular.
    const outside = jest.spyOn(zone, 'runOutsideAngular');
    const injector = zone.run(() => {
      expect(NgZone.isInAngularZone()).toBe(true);
      return createEnvironmentInjector([provideLpAgent(() => ({ ...emulator.issueToken('bot'), keepAlive: 20, socketFactory }))], TestBed.inject(EnvironmentInjector));
    });
    // Creating the agent and connecting it (Angular's own calls come on top).
    expect(outside.mock.calls.length).toBeGreaterThanOrEqual(2);
    outside.mockRestore();
    afterTest.push(() => injector.destroy());
    const agent = injector.get(LP_AGENT);
    const zones: boolean[] = [];
    agent.connection$.subscribe(() => zones.push(NgZone.isInAngularZone()));
    await next(agent.connection$, (s) => s.status === 'open');
    expect(emulator.connections('bot')).toBe(1);
    expect(agent.identity?.legacyId).toBe(emulator.agentIdentity('bot').legacyId);
    await eventually(() => pings.length >= 2, 'two keep-alive pings');
    expect(pings).not.toContain(true);
    expect(zones.slice(1)).not.toContain(true);
  });

  it('runs a pipeline registered with withPipelines: it accepts a ring', async () => {
    const agent = await onlineAgent();
    const accepted = next(agent.results$, isOk('.ams.routing.UpdateRingState'));
    const assigned = next(agent.conversations$, isAssigned);
    const consumer = await emulator.consumer({ skillId: '-1' });
    const { command } = await accepted;
    expect(command.body).toMatchObject({ ringState: 'ACCEPTED' });
    expect((await assigned).convId).toBe(consumer.convId);
  });

  it('resolves class pipelines with inject in a child injector, and stops them when it is destroyed', async () => {
    const GREETING = new InjectionToken<string>('GREETING');
    const stopped: string[] = [];
    class Greeter implements LpPipelineClass {
      private readonly greeting = inject(GREETING);
      pipeline(agent: Agent): Observable<Command> {
        return agent.conversations$.pipe(
          dedupeConversations({ myRole: 'ASSIGNED_AGENT' }),
          map((c) => sendText(c.convId, this.greeting)),
          finalize(() => stopped.push('Greeter')),
        );
      }
    }
    await onlineAgent();
    const child = createEnvironmentInjector(
      [{ provide: GREETING, useValue: 'Hello from Angular' }, provideLpPipelines(Greeter)],
      TestBed.inject(EnvironmentInjector),
    );
    const consumer = await emulator.consumer({ skillId: '-1' });
    const greeting = await next(consumer.received$, (r) => r.event.type === 'ContentEvent');
    expect(greeting.event).toMatchObject({ message: 'Hello from Angular' });
    child.destroy();
    expect(stopped).toEqual(['Greeter']);
    expect(emulator.connections('bot')).toBe(1);
  });

  it('delivers the streams of injectLpAgent inside the Angular zone; the raw streams stay outside', async () => {
    const agent = await onlineAgent();
    const lp = TestBed.runInInjectionContext(() => injectLpAgent());
    const inZone = firstValueFrom(lp.messages$.pipe(contentEvents(), map(() => NgZone.isInAngularZone())));
    const outside = firstValueFrom(agent.messages$.pipe(contentEvents(), map(() => NgZone.isInAngularZone())));
    const assigned = next(agent.conversations$, isAssigned);
    const consumer = await emulator.consumer({ skillId: '-1' });
    await assigned;
    await consumer.send('hello');
    expect(await inZone).toBe(true);
    expect(await outside).toBe(false);
  });

  it('works with toSignal on every stream: a signal shows what the consumer wrote', async () => {
    const agent = await onlineAgent();
    const signals = TestBed.runInInjectionContext(() => {
      const lp = injectLpAgent();
      const streams = Object.keys(lp).filter((k): k is Exclude<keyof LpAgentStreams, 'agent'> => k.endsWith('$'));
      const all = Object.fromEntries(streams.map((k) => [k, toSignal<unknown>(lp[k])])) as Record<string, Signal<unknown>>;
      return {
        all,
        status: toSignal(lp.connection$.pipe(map((s) => s.status)), { requireSync: true }),
        text: toSignal(lp.messages$.pipe(contentEvents(), map((m) => m.event.message))),
      };
    });
    expect(Object.keys(signals.all).sort()).toEqual(
      ['agentState$', 'chatState$', 'connection$', 'conversations$', 'errors$', 'messages$', 'notifications$', 'results$', 'rings$'],
    );
    expect(signals.status()).toBe('open');
    const assigned = next(agent.conversations$, isAssigned);
    const consumer = await emulator.consumer({ skillId: '-1' });
    await assigned;
    await consumer.send('hello from a consumer');
    await eventually(() => signals.text() === 'hello from a consumer', 'the signal updated');
    expect(signals.all['rings$']?.()).toMatchObject({ convId: consumer.convId });
    expect(signals.all['notifications$']?.()).toBeDefined();
  });

  it('disposes the agent when the injector is destroyed', async () => {
    configureTestBed([]);
    const parent = TestBed.inject(EnvironmentInjector);
    const injector = createEnvironmentInjector([provideLpAgent({ ...emulator.issueToken('bot'), keepAlive: 0 })], parent);
    const agent = injector.get(LP_AGENT);
    await next(agent.connection$, (s) => s.status === 'open');
    expect(emulator.connections('bot')).toBe(1);
    const completed = firstValueFrom(agent.messages$.pipe(filter(() => false)), { defaultValue: 'completed' });
    injector.destroy();
    expect(await completed).toBe('completed');
    await eventually(() => emulator.connections() === 0, 'every socket closed');
  });

  it('disposes the TestBed agent on resetTestingModule', async () => {
    await onlineAgent();
    expect(emulator.connections('bot')).toBe(1);
    TestBed.resetTestingModule();
    await eventually(() => emulator.connections() === 0, 'every socket closed');
  });
});
