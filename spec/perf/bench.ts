/**
 * `npm run bench`: lp-agent-rx against node-agent-sdk 1.2.0 and the raw limit, over TLS.
 *
 * Processes: this one only orchestrates. The TLS emulator runs in a child of its own
 * (`emulatorProcess.ts`, the producer), and each measured client runs in its own child
 * (`clientProcess.ts`) started with NODE_EXTRA_CA_CERTS = the emulator's certificate, so the
 * producer never shares the measured thread and node-agent-sdk trusts the emulator as it would a
 * real CA. Messages cross Node's IPC channel (`ipc.ts`). Not a jest spec.
 *
 * - Inbound throughput: the emulator pushes N OnlineEventDistribution frames to one agent; a round
 *   runs from the first injected frame (emulator clock) to the N-th record reaching the user's
 *   handler (client clock; both `timeOrigin + now()`). Rounds rotate the clients' order.
 * - Command round trips: each client makes N GetClock requests on one connection, a window of them
 *   in flight, and reports the CPU they took (the request path every command shares).
 * - Ring-to-accept: consumers open conversations at a fixed rate, each ringing one agent; the
 *   emulator times ring sent -> UpdateRingState ACCEPTED received.
 * - Scale (`--no-scale` skips it): `runScale` of `spec/perf/scale.ts`, after the children stop.
 *
 * @example
 * npm run bench -- --n 50000 --rounds 7 --write
 * LP_BENCH_PROFILE=/tmp/prof npm run bench -- --no-scale   # CPU profile of every child
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  forkChild,
  type BenchAgent,
  type Child,
  type ClientArgs,
  type ClientCommand,
  type ClientCredentials,
  type ClientKind,
  type ClientReply,
  TASKSET,
  type EmulatorCommand,
  type EmulatorReply,
} from './ipc.js';
import { formatScale, runScale } from './scale.js';

interface BenchOptions {
  /** Frames per inbound round, over all of a client's connections. */
  n: number;
  /** Connections (bot users) per client process, fed at once. */
  connections: number;
  /** Measured inbound rounds per client, after one warm-up round. */
  rounds: number;
  /** Frames the emulator sends before yielding to its event loop. */
  batch: number;
  /** GetClock round trips per command round. */
  commands: number;
  /** Requests in flight at once in a command round. */
  commandWindow: number;
  /** Measured command rounds per client, after one warm-up round. */
  commandRounds: number;
  /** Rings per second in a ring round. */
  ringRate: number;
  /** Length of a ring round in seconds. */
  ringSeconds: number;
  /** Measured ring rounds per client, after a short warm-up. */
  ringRounds: number;
  /** Run spec/perf/scale.ts when present. */
  scale: boolean;
  /** Pin the emulator to CPU 0 and the clients to CPU 1 (`--no-pin`: let the OS place them). */
  pin: boolean;
  /** Write docs/benchmarks.md. */
  write: boolean;
}

interface ClientSpec {
  readonly kind: ClientKind;
  readonly name: string;
  /** The first connection's user; the others are `${username}-2`, `-3`... with skills of their own. */
  readonly agent: BenchAgent;
  readonly rings: boolean;
  /** How its ring answering is named in the latency table. */
  readonly ringName: string;
}

const clients: readonly ClientSpec[] = [
  { kind: 'raw', name: 'raw limit: ws + JSON.parse', agent: { username: 'bench-raw', skill: '101' }, rings: false, ringName: '' },
  { kind: 'sdk', name: 'node-agent-sdk 1.2.0', agent: { username: 'bench-sdk', skill: '102' }, rings: true, ringName: 'node-agent-sdk 1.2.0: README handler' },
  { kind: 'lp', name: 'lp-agent-rx: messages$', agent: { username: 'bench-lp', skill: '103' }, rings: true, ringName: 'lp-agent-rx: acceptWaitingRings()' },
  { kind: 'lpObserved', name: 'lp-agent-rx + otel subscriber', agent: { username: 'bench-lp-otel', skill: '104' }, rings: false, ringName: '' },
];

type EmulatorChild = Child<EmulatorCommand, EmulatorReply>;

/** A client's users, one per connection; only the first has the client's skill (it takes the rings). */
function agentsOf(spec: ClientSpec, connections: number): BenchAgent[] {
  return Array.from({ length: connections }, (_, i) =>
    i === 0 ? spec.agent : { username: `${spec.agent.username}-${i + 1}`, skill: `${spec.agent.skill}${i + 1}` },
  );
}
type ClientChild = Child<ClientCommand, ClientReply>;

/** Step 1's targets: client CPU per message against the raw client and node-agent-sdk; msgs/s against node-agent-sdk and the limit. */
const TARGETS = { cpuOverLimit: 1.2, cpuOverSdk: 0.7, rateOverSdk: 1.3, rateOverLimit: 0.7 } as const;
/** The whole bench must stay well inside 4 minutes; this aborts a hung one. */
const OVERALL_TIMEOUT_MS = 230_000;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const started = performance.now();
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: timed out after ${OVERALL_TIMEOUT_MS} ms\n`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  watchdog.unref();

  const children: Child<never, { kind: string }>[] = [];
  const pinned = options.pin && TASKSET !== undefined && os.cpus().length >= 2;
  const emulator: EmulatorChild = forkChild(
    'emulator',
    join(__dirname, 'emulatorProcess.ts'),
    [JSON.stringify({ agents: clients.flatMap((c) => agentsOf(c, options.connections)), n: perConnection(options) })],
    {},
    pinned ? 0 : undefined,
  );
  children.push(emulator);
  try {
    const ready = await emulator.next('ready', 60_000);
    const running = await Promise.all(
      clients.map(async (spec) => {
        const credentials = agentsOf(spec, options.connections).map(({ username }) => {
          const found = ready.credentials.find((c) => c.username === username);
          if (!found) throw new Error(`no credentials for ${username}`);
          return found;
        });
        const child = startClient(spec, credentials, ready.caFile, pinned ? 1 : undefined);
        children.push(child);
        await child.next('ready', 30_000);
        return { spec, child };
      }),
    );
    log(pinned ? 'pinned: the emulator on CPU 0, the clients on CPU 1' : 'not pinned: the OS places the emulator and the clients');
    log(`emulator and ${running.length} clients up in ${((performance.now() - started) / 1000).toFixed(1)} s (TLS, 127.0.0.1)`);

    // Inbound throughput, the clients' order rotating every round.
    const throughput = new Map<ClientKind, number[]>(clients.map((c) => [c.kind, []]));
    const cpu = new Map<ClientKind, number[]>(clients.map((c) => [c.kind, []]));
    const producer = new Map<ClientKind, number[]>(clients.map((c) => [c.kind, []]));
    const producerCpu: number[] = [];
    await rotating(running, options.rounds, async (entry, round) => {
      const { rate, cpuPerMsg, systemShare, producerShare, producerCpuPerMsg } = await inboundRound(emulator, entry.child, entry.spec, options);
      if (round > 0) {
        throughput.get(entry.spec.kind)?.push(rate);
        cpu.get(entry.spec.kind)?.push(cpuPerMsg);
        producer.get(entry.spec.kind)?.push(producerShare);
        producerCpu.push(producerCpuPerMsg);
      }
      log(
        `${roundName(round)}  ${entry.spec.name.padEnd(28)} ${format(rate)} msgs/s  ${cpuPerMsg.toFixed(2)} µs CPU/msg` +
          ` (${(systemShare * 100).toFixed(0)} % system)  (producer writing ${(producerShare * 100).toFixed(0)} % of the round)`,
      );
    });

    // Command round trips, the clients' order rotating every round.
    const commandRate = new Map<ClientKind, number[]>(clients.map((c) => [c.kind, []]));
    const commandCpu = new Map<ClientKind, number[]>(clients.map((c) => [c.kind, []]));
    await rotating(running, options.commandRounds, async (entry, round) => {
      entry.child.send({ kind: 'commands', n: options.commands, window: options.commandWindow });
      const result = await entry.child.next('commanded', 30_000);
      const rate = result.count / ((result.end - result.start) / 1_000);
      const cpuPerCommand = result.cpuMicros / result.count;
      if (round > 0) {
        commandRate.get(entry.spec.kind)?.push(rate);
        commandCpu.get(entry.spec.kind)?.push(cpuPerCommand);
      }
      log(`${roundName(round)}  commands ${entry.spec.name.padEnd(28)} ${format(rate)} round trips/s  ${cpuPerCommand.toFixed(2)} µs CPU/command`);
    });

    // Ring-to-accept latency, alternating the two agent clients.
    const ringClients = running.filter((r) => r.spec.rings);
    const latencies = new Map<ClientKind, number[]>(ringClients.map((r) => [r.spec.kind, []]));
    const missing = new Map<ClientKind, number>(ringClients.map((r) => [r.spec.kind, 0]));
    const perRound = Math.round(options.ringRate * options.ringSeconds);
    await rotating(ringClients, options.ringRounds, async (entry, round) => {
      const count = round === 0 ? Math.min(perRound, 20) : perRound;
      emulator.send({ kind: 'rings', skill: entry.spec.agent.skill, rate: options.ringRate, count, timeoutMs: 10_000 });
      const result = await emulator.next('rings', count * (1_000 / options.ringRate) + 30_000);
      if (round > 0) {
        latencies.get(entry.spec.kind)?.push(...result.latencies);
        missing.set(entry.spec.kind, (missing.get(entry.spec.kind) ?? 0) + result.missing);
      }
      log(
        `${roundName(round)}  rings ${entry.spec.ringName.padEnd(36)} p50 ${quantile(result.latencies, 0.5).toFixed(2)} ms` +
          ` p99 ${quantile(result.latencies, 0.99).toFixed(2)} ms (${result.latencies.length} accepted, ${result.missing} missing)`,
      );
    });

    await Promise.all(children.map((c) => c.stop()));

    const scale = options.scale ? await runScaleSection() : 'Scale: skipped (`--no-scale`).';
    const report = renderReport({ pinned, options, command, throughput, cpu, producer, producerCpu, commandRate, commandCpu, latencies, missing, scale, seconds: (performance.now() - started) / 1000 });
    log('');
    log(report);
    if (options.write) {
      const path = resolve(process.cwd(), 'docs/benchmarks.md');
      writeFileSync(path, renderDocument(report, existsSync(path) ? readFileSync(path, 'utf8') : ''));
      log(`wrote ${path}`);
    }
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    clearTimeout(watchdog);
  }
}

function startClient(spec: ClientSpec, credentials: readonly ClientCredentials[], caFile: string, cpu: number | undefined): ClientChild {
  const args: ClientArgs = { kind: spec.kind, credentials, rings: spec.rings };
  return forkChild<ClientCommand, ClientReply>(spec.name, join(__dirname, 'clientProcess.ts'), [JSON.stringify(args)], { NODE_EXTRA_CA_CERTS: caFile }, cpu);
}

/** What one inbound round measured. */
interface RoundResult {
  /** Frames per second, from the first send to the N-th delivery. */
  readonly rate: number;
  /** The client's CPU (user + system) per frame, µs. */
  readonly cpuPerMsg: number;
  /** The kernel's part of that CPU (system time). */
  readonly systemShare: number;
  /** The producer's writing time as a share of the round: well under 1 when the client bounds the round. */
  readonly producerShare: number;
  /** The producer's CPU per frame, µs. */
  readonly producerCpuPerMsg: number;
}

/** One round: arm the client, inject N frames, msgs/s from the first send to the N-th delivery. */
async function inboundRound(
  emulator: EmulatorChild,
  client: ClientChild,
  spec: ClientSpec,
  options: BenchOptions,
): Promise<RoundResult> {
  const each = perConnection(options);
  const n = each * options.connections;
  client.send({ kind: 'expect', n });
  await client.next('armed', 10_000);
  const done = client.next('done', 30_000);
  const usernames = agentsOf(spec, options.connections).map((a) => a.username);
  emulator.send({ kind: 'inject', usernames, n: each, batch: options.batch });
  const injected = await emulator.next('injected', 30_000);
  const { end, cpuMicros, systemMicros } = await done;
  return {
    rate: n / ((end - injected.start) / 1000),
    cpuPerMsg: cpuMicros / n,
    systemShare: systemMicros / cpuMicros,
    producerShare: (injected.end - injected.start) / (end - injected.start),
    producerCpuPerMsg: injected.cpuMicros / n,
  };
}

/**
 * Runs `measure` for every entry in every round, round 0 being the warm-up, one at a time; the
 * entries' order rotates by one each round so drift of the machine hits them all alike.
 */
async function rotating<E>(entries: readonly E[], rounds: number, measure: (entry: E, round: number) => Promise<void>): Promise<void> {
  for (let round = 0; round <= rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[(i + round) % entries.length];
      if (entry !== undefined) await measure(entry, round);
    }
  }
}

/** How a round is named in the log. */
function roundName(round: number): string {
  return round === 0 ? 'warm-up' : `round ${round}`;
}

/** Frames per connection in a round: N split evenly (rounded up). */
function perConnection(options: BenchOptions): number {
  return Math.ceil(options.n / options.connections);
}

/**
 * Scale and memory figures from `spec/perf/scale.ts` (its own in-process emulators, plain ws),
 * run after every child has stopped so it has the machine to itself.
 */
async function runScaleSection(): Promise<string> {
  const result = await runScale({ log: (line: string) => log(`scale: ${line}`) });
  return formatScale(result);
}

interface ReportInput {
  readonly options: BenchOptions;
  readonly command: string;
  readonly throughput: ReadonlyMap<ClientKind, readonly number[]>;
  readonly cpu: ReadonlyMap<ClientKind, readonly number[]>;
  /** Per client, the producer's writing time as a share of each round. */
  readonly producer: ReadonlyMap<ClientKind, readonly number[]>;
  /** The producer's CPU per frame, µs, every round. */
  readonly producerCpu: readonly number[];
  /** GetClock round trips per second, every command round. */
  readonly commandRate: ReadonlyMap<ClientKind, readonly number[]>;
  /** Client CPU µs per GetClock round trip, every command round. */
  readonly commandCpu: ReadonlyMap<ClientKind, readonly number[]>;
  readonly latencies: ReadonlyMap<ClientKind, readonly number[]>;
  readonly missing: ReadonlyMap<ClientKind, number>;
  readonly scale: string;
  readonly seconds: number;
  /** Whether the emulator and the clients ran pinned to CPUs 0 and 1. */
  readonly pinned: boolean;
}

function renderReport({ options, command, throughput, cpu, producer, producerCpu, commandRate, commandCpu, latencies, missing, scale, seconds, pinned }: ReportInput): string {
  const medianOf = (kind: ClientKind): number => median(throughput.get(kind) ?? []);
  const limit = medianOf('raw');
  const pairedRatio = (a: ClientKind, b: ClientKind): number => {
    const as = throughput.get(a) ?? [];
    const bs = throughput.get(b) ?? [];
    return median(as.map((x, i) => x / (bs[i] ?? NaN)).filter(Number.isFinite));
  };
  const pairedCpuRatio = (a: ClientKind, b: ClientKind): number => {
    const as = cpu.get(a) ?? [];
    const bs = cpu.get(b) ?? [];
    return median(as.map((x, i) => x / (bs[i] ?? NaN)).filter(Number.isFinite));
  };
  const sdk = medianOf('sdk');
  const lp = medianOf('lp');
  const inboundRows = clients.map((c) => {
    const samples = throughput.get(c.kind) ?? [];
    const m = median(samples);
    const cpuPerMsg = median(cpu.get(c.kind) ?? []);
    const limitCpu = median(cpu.get('raw') ?? []);
    return `| ${c.name} | ${format(m)} | ${format(Math.min(...samples))}–${format(Math.max(...samples))} | ${(m / limit).toFixed(2)} | ${cpuPerMsg.toFixed(2)} | ${(cpuPerMsg / limitCpu).toFixed(2)} |`;
  });
  const ringRows = clients
    .filter((c) => c.rings)
    .map((c) => {
      const l = latencies.get(c.kind) ?? [];
      return `| ${c.ringName} | ${l.length} | ${missing.get(c.kind) ?? 0} | ${quantile(l, 0.5).toFixed(2)} | ${quantile(l, 0.99).toFixed(2)} | ${quantile(l, 1).toFixed(2)} |`;
    });
  const lpP99 = quantile(latencies.get('lp') ?? [], 0.99);
  const sdkP99 = quantile(latencies.get('sdk') ?? [], 0.99);
  const verdict = (ok: boolean): string => (ok ? '**PASS**' : '**FAIL**');
  const lpMissing = missing.get('lp') ?? 0;
  const [limitCpu, sdkCpu, lpCpu] = (['raw', 'sdk', 'lp'] as const).map((k) => median(cpu.get(k) ?? [])) as [number, number, number];
  const cpuModel = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  return [
    `## Inbound throughput`,
    '',
    `OnlineEventDistribution over wss on 127.0.0.1, N = ${perConnection(options) * options.connections} frames per round (${perConnection(options)} on each of ${options.connections} connections per client), median of ${options.rounds} rounds after a warm-up, clients' order rotating per round.`,
    '',
    `Producer: ${median(producerCpu).toFixed(2)} µs CPU per frame (median), writing for ${(median(clients.map((c) => median(producer.get(c.kind) ?? [])).filter(Number.isFinite)) * 100).toFixed(0)} % of a round (median over clients; the largest single round ${(Math.max(...[...producer.values()].flat()) * 100).toFixed(0)} %): the clients bound the rounds.`,
    '',
    '| client | msgs/s (median) | min–max | ratio to limit | client CPU µs/msg (median) | CPU ratio to limit |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...inboundRows,
    '',
    `lp / limit = ${(lp / limit).toFixed(2)}, lp / node-agent-sdk = ${(lp / sdk).toFixed(2)} (ratios of the medians; medians of the per-round ratios, each round's samples taken back to back: ${pairedRatio('lp', 'raw').toFixed(2)} and ${pairedRatio('lp', 'sdk').toFixed(2)}).`,
    '',
    `## Command round trips`,
    '',
    `GetClock on one connection per client, ${format(options.commands)} per round with ${options.commandWindow} in flight, median of ${options.commandRounds} rounds after a warm-up, clients' order rotating per round. The raw client builds the request with \`JSON.stringify\` and matches the answer by id; node-agent-sdk uses \`getClock(body, callback)\`; lp-agent-rx \`agent.getClock()\`.`,
    '',
    '| client | round trips/s (median) | client CPU µs/command (median) | CPU ratio to raw |',
    '| --- | ---: | ---: | ---: |',
    ...clients.map((c) => {
      const perCommand = median(commandCpu.get(c.kind) ?? []);
      return `| ${c.name} | ${format(median(commandRate.get(c.kind) ?? []))} | ${perCommand.toFixed(2)} | ${(perCommand / median(commandCpu.get('raw') ?? [])).toFixed(2)} |`;
    }),
    '',
    `lp / node-agent-sdk by client CPU per command: ${(median(commandCpu.get('lp') ?? []) / median(commandCpu.get('sdk') ?? [])).toFixed(2)} (not a target).`,
    '',
    `## Ring-to-accept latency`,
    '',
    `${options.ringRate} rings/s for ${options.ringSeconds} s per round, ${options.ringRounds} rounds per client after a warm-up; ms from the emulator sending the ring to it receiving UpdateRingState ACCEPTED.`,
    '',
    '| client | rings | missing | p50 ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...ringRows,
    '',
    '## Targets',
    '',
    `- lp client CPU per message ≤ ${TARGETS.cpuOverLimit}× the raw client: ${(lpCpu / limitCpu).toFixed(2)}× ${verdict(lpCpu / limitCpu <= TARGETS.cpuOverLimit)}`,
    `- lp client CPU per message ≤ ${TARGETS.cpuOverSdk}× node-agent-sdk: ${(lpCpu / sdkCpu).toFixed(2)}× ${verdict(lpCpu / sdkCpu <= TARGETS.cpuOverSdk)}`,
    `  (here ${TARGETS.cpuOverSdk}× node-agent-sdk is ${(TARGETS.cpuOverSdk * sdkCpu).toFixed(2)} µs, ${((TARGETS.cpuOverSdk * sdkCpu) / limitCpu).toFixed(2)}× the raw client: it leaves ${(TARGETS.cpuOverSdk * sdkCpu - limitCpu).toFixed(2)} µs per message above \`ws\` + \`JSON.parse\`, where lp-agent-rx spends ${(lpCpu - limitCpu).toFixed(2)} µs)`,
    `- lp inbound msgs/s ≥ ${TARGETS.rateOverSdk}× node-agent-sdk: ${(lp / sdk).toFixed(2)}× ${verdict(lp / sdk >= TARGETS.rateOverSdk)}`,
    `- lp inbound msgs/s ≥ ${TARGETS.rateOverLimit * 100} % of the raw limit: ${((lp / limit) * 100).toFixed(0)} % ${verdict(lp / limit >= TARGETS.rateOverLimit)}`,
    `- ring-to-accept p99 no worse than node-agent-sdk: ${lpP99.toFixed(2)} ms vs ${sdkP99.toFixed(2)} ms ${verdict(lpP99 <= sdkP99 && lpMissing === 0)}`,
    '',
    `Diagnostics: with lp-agent-rx/otel subscribed to every channel (SDK meter and tracer providers), lp-agent-rx costs ${(median(cpu.get('lpObserved') ?? []) / lpCpu).toFixed(2)}× its CPU per message without a subscriber (${median(cpu.get('lpObserved') ?? []).toFixed(2)} vs ${lpCpu.toFixed(2)} µs) and runs at ${(medianOf('lpObserved') / lp).toFixed(2)}× its rate.`,
    '',
    `CPU ratios are of the medians; the per-round CPU ratios (each round's samples taken back to back) have medians ${pairedCpuRatio('lp', 'raw').toFixed(2)} (raw) and ${pairedCpuRatio('lp', 'sdk').toFixed(2)} (node-agent-sdk).`,
    '',
    '## Scale',
    '',
    scale,
    '',
    `Machine: ${cpuModel}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${os.platform()} ${os.arch()}, load average ${os.loadavg()[0]?.toFixed(2) ?? '?'} at the end; ${pinned ? 'the emulator pinned to CPU 0, the clients to CPU 1' : 'processes not pinned'}.`,
    `Command: \`${command}\` (${seconds.toFixed(0)} s).`,
  ].join('\n');
}

/** Where the hand-written history of past runs starts in docs/benchmarks.md; `--write` keeps it. */
const HISTORY_HEADING = '## Earlier runs';

function renderDocument(report: string, previous: string): string {
  const at = previous.indexOf(`\n${HISTORY_HEADING}\n`);
  const history = at >= 0 ? previous.slice(at + 1).trimEnd() : `${HISTORY_HEADING}\n\nNone kept yet.`;
  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}; source: \`spec/perf/bench.ts\``,
    '(with `emulatorProcess.ts`, `clientProcess.ts`, `built.ts`, `ipc.ts`, `frames.ts`).',
    '',
    '## Setup',
    '',
    'The emulator runs with `tls: true` (self-signed certificate) in a process of its own, so',
    "sending frames never shares the measured client's thread. Each client runs in its own process,",
    'started with `NODE_EXTRA_CA_CERTS` pointing at the certificate (node-agent-sdk takes no CA',
    'option), and stays connected for the whole run; the bench process only orchestrates over IPC.',
    'On a 2-core machine the producer and the measured client each get a core. `npm run bench`',
    'builds the package first, and the clients and the emulator load the build (`dist/`), as users',
    'install it: run from the TypeScript sources through tsx, every read across modules goes',
    "through tsx's interop getters, which cost lp-agent-rx about 2 µs per message that users never pay.",
    'Where `taskset` exists the emulator is pinned to CPU 0 and every client to CPU 1: left to the',
    "scheduler on this 2-core VM, a client's CPU per message jumped between two levels about 1.5×",
    'apart from one round to the next, whichever client it was; pinned, its rounds agree within a',
    'few percent. `--no-pin` lets the OS place them.',
    '',
    '- **raw limit**: a plain `ws` client on the brand websocket URL that only `JSON.parse`s each',
    '  frame: the ceiling of this transport (TLS, ws 8) on this machine.',
    "- **node-agent-sdk 1.2.0**: LivePerson's own client (username/password login), counting the",
    '  records of its `ms.MessagingEventNotification` event; rings accepted as in its README sample',
    '  (every WAITING ring of an UPSERT `routing.RoutingTaskNotification` → `updateRingState`).',
    '- **lp-agent-rx**: `createAgent` with a bearer, counting `messages$` emissions (decode, io-ts',
    '  validation, normalization, Subject); rings via `agent.run(agent.rings$.pipe(acceptWaitingRings()))`.',
    '- **lp-agent-rx + otel subscriber**: the same, with `lp-agent-rx/otel` attached (SDK meter and',
    '  tracer providers), so every diagnostics channel has a subscriber.',
    '',
    '**Inbound**: each client process holds several connections (bot users, 4 by default: a',
    'process hosting several bot users is what `createAgentPool` runs), all counted together. The',
    'emulator encodes the frames as websocket frames before the clock starts (`prepareFrames`: a',
    'consumer `text/plain` ContentEvent with originatorMetadata and clientProperties, distinct',
    'increasing sequences) and writes each batch to every connection in turn, yielding between',
    'batches. One TLS connection on this VM carries about 110–130 MB/s (about 100k of these frames',
    "per second) whoever reads it, less than a client can parse; several connections lift that",
    'ceiling above the clients, so msgs/s measures the client (the producer line below shows it).',
    "A round runs from the first write (emulator) to the N-th record reaching the user's handler",
    '(client); both ends read `performance.timeOrigin + performance.now()`. The clients\' order',
    'rotates each round, so drift of the machine hits all alike: compare ratios within one run;',
    'absolute numbers move between runs (see min–max).',
    "**Client CPU µs/msg** is the client process's `process.cpuUsage()` (user + system, all threads,",
    'TLS included) over the round divided by N: the cost per frame whatever the producer manages.',
    '',
    '**Command round trips**: each client sends GetClock on its first connection, a fixed number in',
    "flight, and counts the client process's CPU per answered request: the request path every",
    'command shares (correlation, timeout, encoding, the socket write), without any server-side',
    'effect. The emulator answering is not timed against the client.',
    '',
    '**Ring-to-accept**: each client\'s first connection has its own skill; the emulator opens',
    'conversations of that skill at a fixed rate with `consumer()`, which routes (sends the ring)',
    "synchronously, and times until the agent's UpdateRingState ACCEPTED for that conversation",
    'appears on `requests$`. This includes both TLS hops and the emulator decoding the request. p99',
    'over a few hundred rings is the few slowest ones: a GC pause or another process taking the core',
    'moves it by milliseconds, so read it together with p50 and max, and over more than one run.',
    '',
    'Absolute numbers depend on what else the machine runs (see the load average below): the',
    'rotation keeps the ratios fair within a run, not equal between runs.',
    '',
    report,
    '',
    history,
    '',
  ].join('\n');
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { n: 50_000, connections: 4, rounds: 7, batch: 500, commands: 20_000, commandWindow: 50, commandRounds: 5, ringRate: 50, ringSeconds: 4, ringRounds: 3, scale: true, pin: true, write: false };
  const numeric = { '--n': 'n', '--connections': 'connections', '--rounds': 'rounds', '--batch': 'batch', '--commands': 'commands', '--command-window': 'commandWindow', '--command-rounds': 'commandRounds', '--ring-rate': 'ringRate', '--ring-seconds': 'ringSeconds', '--ring-rounds': 'ringRounds' } as const;
  const usage = 'usage: npm run bench -- [--n 50000] [--connections 4] [--rounds 7] [--batch 500] [--commands 20000] [--command-window 50] [--command-rounds 5] [--ring-rate 50] [--ring-seconds 4] [--ring-rounds 3] [--no-scale] [--no-pin] [--write]';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--write') options.write = true;
    else if (arg === '--scale') options.scale = true;
    else if (arg === '--no-scale') options.scale = false;
    else if (arg === '--no-pin') options.pin = false;
    else if (arg in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive integer`);
      options[numeric[arg as keyof typeof numeric]] = value;
    } else throw new Error(`unknown argument ${arg}; ${usage}`);
  }
  if (options.connections > 16) throw new Error('bench is bounded: --connections <= 16');
  if (options.n > 1_000_000 || options.rounds > 20 || options.ringRate > 1_000 || options.ringSeconds > 30 || options.ringRounds > 10) {
    throw new Error('bench is bounded: --n <= 1000000, --rounds <= 20, --ring-rate <= 1000, --ring-seconds <= 30, --ring-rounds <= 10');
  }
  if (options.commands > 1_000_000 || options.commandWindow > 1_000 || options.commandRounds > 20) {
    throw new Error('bench is bounded: --commands <= 1000000, --command-window <= 1000, --command-rounds <= 20');
  }
  return options;
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile; NaN for no values. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

function format(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}


main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
