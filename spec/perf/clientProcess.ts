/**
 * One measured client in a process of its own, started by `bench.ts` with NODE_EXTRA_CA_CERTS
 * pointing at the emulator's certificate (node-agent-sdk's `request` and `ws` 1.x take no CA
 * option; Node reads that variable only at start-up). See `ipc.ts`.
 *
 * argv[2]: JSON `ClientArgs`. Connects, optionally goes ONLINE and accepts WAITING rings, replies
 * `ready`; then for each `expect n` resets its count, replies `armed`, and replies `done` with the
 * absolute time at which the n-th record reached the user's handler, and the process's CPU time
 * (user + system, all threads) since `expect`. For `commands n window` it makes n GetClock round
 * trips on its first connection, `window` at a time, and replies `commanded` with the CPU time used.
 *
 * - raw: a `ws` client on the brand websocket that only `JSON.parse`s each frame (the limit).
 * - sdk: node-agent-sdk 1.2.0, counting records of `ms.MessagingEventNotification`; rings are
 *   accepted as in the SDK's README sample (every WAITING ring of an UPSERT).
 * - lp: lp-agent-rx, counting `messages$`; rings via `agent.run(rings$.pipe(acceptWaitingRings()))`.
 */
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createRequire } from 'node:module';
import { firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { built } from './built.js';
import type { NodeAgentSdkConfig, SdkMessagingEventNotification, SdkRoutingTaskNotification } from '../conformance/nodeAgentSdk';
import { now, onCommand, reply, type ClientArgs, type ClientCommand, type ClientCredentials, type ClientReply } from './ipc.js';

/** The parts of node-agent-sdk's `Agent` used here (the package is untyped). */
interface SdkAgent {
  on(event: 'connected', listener: () => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  on(event: 'ms.MessagingEventNotification', listener: (body: SdkMessagingEventNotification) => void): void;
  on(event: 'routing.RoutingTaskNotification', listener: (body: SdkRoutingTaskNotification) => void): void;
  subscribeRoutingTasks(body: Record<string, never>, callback: (error: unknown) => void): void;
  getClock(body: Record<string, never>, callback: (error: unknown) => void): void;
  setAgentState(body: { availability: 'ONLINE' }, callback: (error: unknown) => void): void;
  updateRingState(body: { ringId: string; ringState: 'ACCEPTED' }, callback: (error: unknown) => void): void;
  dispose(): void;
}
interface NodeAgentSdkModule {
  Agent: new (config: NodeAgentSdkConfig) => SdkAgent;
}

// lp-agent-rx as installed (dist/), not its sources: see built.ts.
const { createAgent, acceptWaitingRings } = built<typeof import('../../src/index.js')>('index.js');
const { instrumentLpAgent } = built<typeof import('../../src/otel/index.js')>('otel/index.js');

const send = (message: ClientReply): void => reply(message);

/** Counts deliveries; reports the n-th. */
function counter(): { readonly add: (records: number) => void; readonly expect: (n: number) => void } {
  let count = 0;
  let target = Infinity;
  let cpuAtStart = process.cpuUsage();
  return {
    add: (records) => {
      count += records;
      if (count >= target) {
        const end = now();
        const cpu = process.cpuUsage(cpuAtStart);
        target = Infinity;
        send({ kind: 'done', end, count, cpuMicros: cpu.user + cpu.system, systemMicros: cpu.system });
      }
    },
    expect: (n) => {
      count = 0;
      target = n;
      cpuAtStart = process.cpuUsage();
    },
  };
}

/**
 * A started connection: how to close it, and how to make one GetClock round trip on it (the
 * callback runs when the answer, or a failure, is in).
 */
interface Started {
  readonly close: () => Promise<void>;
  readonly clock: (answered: () => void) => void;
}

/** One connection of a client: its credentials, and whether it is the one that takes rings. */
interface Connection {
  readonly credentials: ClientCredentials;
  readonly rings: boolean;
}

async function startRaw(args: Connection, onRecords: (n: number) => void): Promise<Started> {
  const { accountId, csdsDomain, token } = args.credentials;
  const socket = new WebSocket(`wss://${csdsDomain}/ws_api/account/${accountId}/messaging/brand/${token}?v=2.1`);
  const waiting = new Map<string, () => void>();
  let nextId = 0;
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { kind?: unknown; reqId?: unknown };
    if (frame.kind === 'resp') {
      const answered = waiting.get(String(frame.reqId));
      waiting.delete(String(frame.reqId));
      answered?.();
      return;
    }
    onRecords(1);
  });
  await new Promise<void>((ok, fail) => {
    socket.once('open', () => ok());
    socket.once('error', fail);
  });
  return {
    close: () =>
      new Promise<void>((ok) => {
        socket.once('close', () => ok());
        socket.close();
      }),
    clock: (answered) => {
      const id = String(++nextId);
      waiting.set(id, answered);
      socket.send(JSON.stringify({ kind: 'req', id, type: '.GetClock', body: {} }));
    },
  };
}

async function startSdk(args: Connection, onRecords: (n: number) => void): Promise<Started> {
  const { Agent } = createRequire(__filename)('node-agent-sdk') as NodeAgentSdkModule;
  const { accountId, username, password, csdsDomain } = args.credentials;
  const sdk = new Agent({ accountId, username, password, csdsDomain });
  sdk.on('ms.MessagingEventNotification', (body) => onRecords(body.changes.length));
  await new Promise<void>((ok, fail) => {
    sdk.on('connected', () => ok());
    sdk.on('error', (error) => fail(error instanceof Error ? error : new Error(JSON.stringify(error))));
  });
  if (args.rings) {
    const call = (invoke: (callback: (error: unknown) => void) => void): Promise<void> =>
      new Promise((ok, fail) => invoke((error) => (error ? fail(new Error(JSON.stringify(error))) : ok())));
    sdk.on('routing.RoutingTaskNotification', (body) => {
      for (const change of body.changes) {
        if (change.type !== 'UPSERT') continue;
        for (const ring of change.result.ringsDetails) {
          if (ring.ringState === 'WAITING') sdk.updateRingState({ ringId: ring.ringId, ringState: 'ACCEPTED' }, () => undefined);
        }
      }
    });
    await call((cb) => sdk.subscribeRoutingTasks({}, cb));
    await call((cb) => sdk.setAgentState({ availability: 'ONLINE' }, cb));
  }
  return { close: async () => sdk.dispose(), clock: (answered) => sdk.getClock({}, () => answered()) };
}

async function startLp(args: Connection, onRecords: (n: number) => void): Promise<Started> {
  const { accountId, csdsDomain, token, userId, userPid, ca } = args.credentials;
  const agent = createAgent({ accountId, csdsDomain, token, userId, userPid, secure: true, ca, reconnect: false });
  agent.messages$.subscribe(() => onRecords(1));
  await firstValueFrom(agent.connect());
  if (args.rings) {
    agent.run(agent.rings$.pipe(acceptWaitingRings()));
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
  }
  return { close: async () => agent.dispose(), clock: (answered) => agent.getClock().subscribe({ complete: answered, error: answered }) };
}

/** lp-agent-rx with lp-agent-rx/otel attached (SDK meter and tracer providers): the cost of a subscriber on every channel. */
async function startObservedLp(args: ClientArgs, onRecords: (n: number) => void): Promise<Started> {
  const meterProvider = new MeterProvider();
  const tracerProvider = new BasicTracerProvider();
  const instrumentation = instrumentLpAgent({ meterProvider, tracerProvider });
  const { close, clock } = await startEach(startLp, args, onRecords);
  return {
    close: async () => {
      await close();
      instrumentation.stop();
      await meterProvider.shutdown();
    },
    clock,
  };
}

/** Opens every connection of `args` with `start`, one after the other; close closes them all, clock uses the first. */
async function startEach(
  start: (connection: Connection, onRecords: (n: number) => void) => Promise<Started>,
  args: ClientArgs,
  onRecords: (n: number) => void,
): Promise<Started> {
  const started: Started[] = [];
  for (const [i, credentials] of args.credentials.entries()) started.push(await start({ credentials, rings: args.rings && i === 0 }, onRecords));
  const [first] = started;
  if (!first) throw new Error('no connection to measure');
  return {
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
    clock: first.clock,
  };
}

/** `n` round trips through `clock`, `window` at a time; resolves with the CPU time they took. */
function commandRound(clock: Started['clock'], n: number, window: number): Promise<ClientReply> {
  return new Promise((done) => {
    const start = now();
    const cpuAtStart = process.cpuUsage();
    let sent = 0;
    let answered = 0;
    const next = (): void => {
      answered++;
      if (answered === n) {
        const cpu = process.cpuUsage(cpuAtStart);
        done({ kind: 'commanded', start, end: now(), count: n, cpuMicros: cpu.user + cpu.system });
      } else if (sent < n) {
        sent++;
        clock(next);
      }
    };
    while (sent < Math.min(window, n)) {
      sent++;
      clock(next);
    }
  });
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ClientArgs;
  const count = counter();
  const { close, clock } =
    args.kind === 'lpObserved'
      ? await startObservedLp(args, count.add)
      : await startEach(args.kind === 'raw' ? startRaw : args.kind === 'sdk' ? startSdk : startLp, args, count.add);
  onCommand<ClientCommand>(
    async (command) => {
      if (command.kind === 'expect') {
        count.expect(command.n);
        send({ kind: 'armed' });
      } else if (command.kind === 'commands') {
        send(await commandRound(clock, command.n, command.window));
      }
    },
    close,
  );
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
