/**
 * The bench's producer: a TLS emulator in a process of its own, so that sending frames does not
 * share the measured client's thread. Forked by `bench.ts` (see `ipc.ts`).
 *
 * argv[2]: JSON `{ agents: BenchAgent[], n: number }`. Writes the self-signed CA to a temp file
 * (for NODE_EXTRA_CA_CERTS), encodes `n` websocket frames in batches ahead of the clock (again
 * with later sequences each round), replies `ready` with every agent's credentials, then serves:
 * - `inject`: writes each batch to every named agent's socket in turn (yielding between batches),
 *   so all of a client's connections are fed at once; replies with the absolute time of the first
 *   and the last write, and the CPU that writing took.
 * - `rings`: opens `count` conversations of one skill at `rate` per second; for each, the time
 *   from the ring being sent (`consumer()` routes synchronously) to the agent's UpdateRingState
 *   ACCEPTED arriving on `requests$`.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { filter } from 'rxjs';
import type { Consumer, PreparedFrames } from '../../src/emulator/index.js';
import { built } from './built.js';
import { onlineEventFrames } from './frames.js';
import { now, onCommand, reply, type BenchAgent, type ClientCredentials, type EmulatorCommand, type EmulatorReply } from './ipc.js';

// The emulator as installed (dist/), like the clients: see built.ts.
const { prepareFrames, startEmulator } = built<typeof import('../../src/emulator/index.js')>('emulator/index.js');

const yieldToLoop = (): Promise<void> => new Promise((ok) => setImmediate(ok));
const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, Math.max(0, ms)));

async function main(): Promise<void> {
  const { agents, n } = JSON.parse(process.argv[2] ?? '{}') as { agents: BenchAgent[]; n: number };
  const emulator = await startEmulator({ port: 0, seed: 1, tls: true });
  const ca = emulator.ca ?? '';
  const caFile = join(tmpdir(), `lp-bench-${process.pid}.pem`);
  writeFileSync(caFile, ca);
  const credentials: ClientCredentials[] = agents.map(({ username, skill }) => {
    const creds = emulator.addAgent({ username, password: 'bench', skills: [skill] });
    const { token, userId, userPid } = emulator.issueToken(username);
    return { accountId: creds.accountId, csdsDomain: creds.csdsDomain, username, password: 'bench', token, userId, userPid, ca };
  });
  // Fresh sequences every round (clients stay connected), encoded as websocket frames in batches
  // before the clock starts: during a round the producer only writes ready bytes.
  const prepare = (count: number, batch: number, after: number): PreparedFrames[] => {
    const texts = onlineEventFrames(count, after);
    const batches: PreparedFrames[] = [];
    for (let i = 0; i < count; i += batch) batches.push(prepareFrames(texts.slice(i, Math.min(count, i + batch))));
    return batches;
  };
  let prepared = { n, batch: 500, batches: prepare(n, 500, 0) };
  let injected = 0;
  const gc = (globalThis as { gc?: unknown }).gc;

  // convId -> when its ring was sent; ringId is `{convId}_{accountId}_{epochMs}`.
  const ringSent = new Map<string, number>();
  const accepted = new Map<string, number>();
  emulator.requests$
    .pipe(filter((r) => r.request.type === '.ams.routing.UpdateRingState'))
    .subscribe(({ request }) => {
      const at = performance.now();
      const body = request.body as { ringId?: unknown; ringState?: unknown };
      if (body.ringState !== 'ACCEPTED' || typeof body.ringId !== 'string') return;
      const convId = body.ringId.split('_')[0] ?? '';
      if (!accepted.has(convId)) accepted.set(convId, at);
    });

  const send = (message: EmulatorReply): void => reply(message);
  onCommand<EmulatorCommand>(
    async (command) => {
      if (command.kind === 'inject') {
        if (injected > 0 || prepared.n !== command.n || prepared.batch !== command.batch) {
          prepared = { n: 0, batch: 0, batches: [] };
          if (typeof gc === 'function') gc();
          prepared = { n: command.n, batch: command.batch, batches: prepare(command.n, command.batch, injected) };
        }
        injected += command.n;
        if (typeof gc === 'function') gc();
        const start = now();
        const cpu = process.cpuUsage();
        for (const batch of prepared.batches) {
          for (const username of command.usernames) emulator.injectFrames(batch, { username });
          await yieldToLoop();
        }
        const used = process.cpuUsage(cpu);
        send({ kind: 'injected', start, end: now(), cpuMicros: used.user + used.system });
      } else if (command.kind === 'rings') {
        const consumers: Consumer[] = [];
        const interval = 1_000 / command.rate;
        const begin = performance.now();
        for (let i = 0; i < command.count; i++) {
          await sleep(begin + i * interval - performance.now());
          const sent = performance.now();
          const consumer = await emulator.consumer({ skillId: command.skill });
          ringSent.set(consumer.convId, sent);
          consumers.push(consumer);
        }
        const deadline = performance.now() + command.timeoutMs;
        while (consumers.some((c) => !accepted.has(c.convId)) && performance.now() < deadline) await sleep(10);
        const latencies: number[] = [];
        let missing = 0;
        for (const c of consumers) {
          const at = accepted.get(c.convId);
          const sent = ringSent.get(c.convId);
          if (at === undefined || sent === undefined) missing++;
          else latencies.push(at - sent);
          ringSent.delete(c.convId);
          accepted.delete(c.convId);
        }
        // Keep the emulator's state small between rounds.
        await Promise.all(consumers.map((c) => c.close().catch(() => undefined)));
        send({ kind: 'rings', latencies, missing });
      }
    },
    async () => {
      await emulator.close();
      unlinkSync(caFile);
    },
  );
  send({ kind: 'ready', caFile, credentials });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
