/**
 * `npm run bench`: inbound throughput of lp-agent-rx against the raw limit of the same transport.
 *
 * An in-process emulator pushes the same N OnlineEventDistribution frames to each client over
 * loopback ws; a round's time runs from the first injected frame to the N-th frame reaching the
 * user's handler. Not a jest spec (jest only picks `*.spec.ts`).
 *
 * @example
 * npm run bench -- --n 50000 --rounds 5 --write
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { createAgent } from '../../src/index.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { onlineEventFrames } from './frames.js';

interface BenchOptions {
  /** Frames per round. */
  n: number;
  /** Measured rounds per client, after one warm-up round. */
  rounds: number;
  /** Frames injected before yielding to the event loop, so sockets drain. */
  batch: number;
  /** A round that has not seen its N-th frame after this many ms fails the bench. */
  roundTimeout: number;
  /** Write docs/benchmarks.md. */
  write: boolean;
}

/** A connected client under test: `received` counts frames that reached the user's handler. */
interface ClientUnderTest {
  readonly received: () => number;
  readonly close: () => Promise<void>;
}

interface Client {
  readonly name: string;
  readonly username: string;
  readonly open: (emulator: Emulator, username: string, onFrame: () => void) => Promise<ClientUnderTest>;
}

interface ClientResult {
  readonly name: string;
  readonly msgsPerSecond: readonly number[];
  readonly heapUsedMiB: number;
}

const clients: readonly Client[] = [
  {
    name: 'raw limit: ws + JSON.parse',
    username: 'bench-raw',
    open: async (emulator, username, onFrame) => {
      const { accountId, token } = emulator.issueToken(username);
      const socket = new WebSocket(`ws://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${token}?v=2.1`);
      let received = 0;
      socket.on('message', (data) => {
        JSON.parse(String(data));
        received++;
        onFrame();
      });
      await new Promise<void>((ok, fail) => {
        socket.once('open', () => ok());
        socket.once('error', fail);
      });
      await until(() => emulator.connections(username) === 1);
      return {
        received: () => received,
        close: () =>
          new Promise<void>((ok) => {
            socket.once('close', () => ok());
            socket.close();
          }),
      };
    },
  },
  {
    name: 'lp-agent-rx: messages$',
    username: 'bench-lp',
    open: async (emulator, username, onFrame) => {
      const agent = createAgent({ ...emulator.issueToken(username), reconnect: false });
      let received = 0;
      agent.messages$.subscribe(() => {
        received++;
        onFrame();
      });
      await firstValueFrom(agent.connect());
      await until(() => emulator.connections(username) === 1);
      return {
        received: () => received,
        close: async () => {
          agent.dispose();
          await until(() => emulator.connections(username) === 0);
        },
      };
    },
  },
];

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const gc = exposeGc();
  const frames = onlineEventFrames(options.n);
  const emulator = await startEmulator({ port: 0, seed: 1 });
  try {
    for (const client of clients) emulator.addAgent({ username: client.username, password: 'bench' });
    let baseline = 0;
    const samples = new Map<Client, number[]>(clients.map((c) => [c, []]));
    const heap = new Map<Client, number>();
    // Interleaved, so drift of the machine (thermal, other load) hits every client alike.
    for (let round = 0; round <= options.rounds; round++) {
      if (round === 1) {
        // What the process holds with no client connected, once warm (emulator, frames, code).
        gc?.();
        baseline = process.memoryUsage().heapUsed;
      }
      for (const client of clients) {
        const last = round === options.rounds;
        const { seconds, heapUsed } = await measureRound(emulator, client, frames, options, last ? gc : undefined);
        if (round > 0) samples.get(client)?.push(options.n / seconds);
        if (heapUsed !== undefined) heap.set(client, heapUsed);
        log(`${round === 0 ? 'warm-up' : `round ${round}`}  ${client.name.padEnd(28)} ${format(options.n / seconds)} msgs/s`);
      }
    }
    const results: ClientResult[] = clients.map((c) => ({
      name: c.name,
      msgsPerSecond: samples.get(c) ?? [],
      heapUsedMiB: ((heap.get(c) ?? baseline) - baseline) / 2 ** 20,
    }));
    const report = renderReport(results, options, command, gc !== undefined, baseline / 2 ** 20);
    log('');
    log(report);
    if (options.write) {
      const path = resolve(process.cwd(), 'docs/benchmarks.md');
      writeFileSync(path, renderDocument(report));
      log(`wrote ${path}`);
    }
  } finally {
    await emulator.close();
  }
}

/** One round: connect, inject every frame in batches, time the N-th delivery, disconnect. */
async function measureRound(
  emulator: Emulator,
  client: Client,
  frames: readonly string[],
  options: BenchOptions,
  gc: (() => void) | undefined,
): Promise<{ seconds: number; heapUsed: number | undefined }> {
  let done: (() => void) | undefined;
  let end = 0;
  const delivered = new Promise<void>((ok) => (done = ok));
  let count = 0;
  const underTest = await client.open(emulator, client.username, () => {
    if (++count === frames.length) {
      end = performance.now();
      done?.();
    }
  });
  const start = performance.now();
  for (let i = 0; i < frames.length; i += options.batch) {
    for (const text of frames.slice(i, i + options.batch)) emulator.injectFrame(text, { username: client.username });
    await new Promise<void>((ok) => setImmediate(ok));
  }
  await withTimeout(delivered, options.roundTimeout, () => `${client.name}: ${underTest.received()} of ${frames.length} frames`);
  // Heap with the client still connected: what it keeps, not what it allocated on the way.
  let heapUsed: number | undefined;
  if (gc) {
    gc();
    heapUsed = process.memoryUsage().heapUsed;
  }
  await underTest.close();
  return { seconds: (end - start) / 1000, heapUsed };
}

function renderReport(
  results: readonly ClientResult[],
  options: BenchOptions,
  command: string,
  hasGc: boolean,
  baselineMiB: number,
): string {
  const limit = median(results[0]?.msgsPerSecond ?? []);
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  const rows = results.map((r) => {
    const m = median(r.msgsPerSecond);
    const spread = `${format(Math.min(...r.msgsPerSecond))}–${format(Math.max(...r.msgsPerSecond))}`;
    const heap = hasGc ? `${r.heapUsedMiB >= 0 ? '+' : ''}${r.heapUsedMiB.toFixed(1)} MiB` : 'n/a (no gc)';
    return `| ${r.name} | ${format(m)} | ${spread} | ${(m / limit).toFixed(2)} | ${heap} |`;
  });
  return [
    `Inbound OnlineEventDistribution, N = ${options.n} frames per round, median of ${options.rounds} rounds after a warm-up, plain ws on 127.0.0.1.`,
    '',
    '| client | msgs/s (median) | min–max | ratio to limit | heap after run, over baseline |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores, node ${process.version}, ${os.platform()} ${os.arch()}, load average ${os.loadavg()[0]?.toFixed(2) ?? '?'} at the end.`,
    `Command: \`${command}\``,
    hasGc
      ? `Heap: \`process.memoryUsage().heapUsed\` after a full gc with the client still connected, minus the baseline with no client (${baselineMiB.toFixed(1)} MiB: emulator and the pre-built frames).`
      : 'Heap: not measured (gc could not be exposed; run with `node --expose-gc`).',
  ].join('\n');
}

function renderDocument(report: string): string {
  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}; source: \`spec/perf/bench.ts\`.`,
    '',
    '## Inbound throughput',
    '',
    'The emulator runs in the same process and pushes the same pre-built frames (a consumer',
    '`text/plain` ContentEvent with originatorMetadata and clientProperties, distinct increasing',
    'sequences) to each client in batches, yielding to the event loop between batches. A round',
    "is the time from the first injected frame to the N-th frame reaching the user's handler.",
    'Rounds of the two clients alternate, so load on the machine hits both alike: compare the',
    'ratio within one run; absolute numbers move between runs (see min–max and the load average).',
    '',
    '- **raw limit**: a plain `ws` client on the same brand websocket URL that only `JSON.parse`s',
    '  each frame: the ceiling of this transport on this machine.',
    '- **lp-agent-rx**: `createAgent(emulator.issueToken(...))`, counting `messages$` emissions',
    '  (decode, io-ts validation, normalization, Subject).',
    '',
    'Producer and consumers share one thread, so the emulator\'s sending cost is inside every',
    'number; it is the same for both clients, which keeps the ratio meaningful but makes absolute',
    'numbers lower than a client would see against a remote server.',
    '',
    report,
    '',
    '## Not measured yet (Step 4)',
    '',
    '- node-agent-sdk side by side on the same frames: no column until it actually runs.',
    '- TLS (wss) transport: the emulator serves plain ws on loopback only.',
    '- Ring-to-accept latency (RoutingTaskNotification to UpdateRingState response).',
    '- Scale: many agents and conversations per process, outbound throughput, long runs.',
    '',
  ].join('\n');
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { n: 50_000, rounds: 5, batch: 500, roundTimeout: 60_000, write: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--write') options.write = true;
    else if (arg === '--n' || arg === '--rounds' || arg === '--batch') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive integer`);
      options[arg === '--n' ? 'n' : arg === '--rounds' ? 'rounds' : 'batch'] = value;
    } else throw new Error(`unknown argument ${arg ?? ''}; usage: npm run bench -- [--n 50000] [--rounds 5] [--batch 500] [--write]`);
  }
  if (options.n > 1_000_000 || options.rounds > 20) throw new Error('bench is bounded: --n <= 1000000, --rounds <= 20');
  return options;
}

/** `gc` from `--expose-gc`, or exposed at runtime; undefined if neither works. */
function exposeGc(): (() => void) | undefined {
  const fromFlag = (globalThis as { gc?: unknown }).gc;
  if (typeof fromFlag === 'function') return () => void fromFlag();
  try {
    setFlagsFromString('--expose-gc');
    const fromContext: unknown = runInNewContext('gc');
    return typeof fromContext === 'function' ? () => void fromContext() : undefined;
  } catch {
    return undefined;
  }
}

async function until(condition: () => boolean, timeout = 5_000): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('bench: timed out waiting for a connection change');
    await new Promise<void>((ok) => setTimeout(ok, 5));
  }
}

async function withTimeout(promise: Promise<void>, ms: number, describe: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`bench: round timed out after ${ms} ms (${describe()})`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function format(value: number): string {
  return Math.round(value).toLocaleString('en-US');
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
