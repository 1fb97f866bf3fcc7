/**
 * Messages between `npm run bench` (the parent) and its child processes: the TLS emulator
 * (`emulatorProcess.ts`) and one measured client each (`clientProcess.ts`). Everything crosses
 * Node's IPC channel as JSON. Times are absolute: `performance.timeOrigin + performance.now()`,
 * comparable across processes of one machine to well under a millisecond.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across local processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export interface BenchAgent {
  readonly username: string;
  /** The agent's only skill: consumers of this skill ring this agent alone. */
  readonly skill: string;
}

/** What a client process needs to connect (handed out by the emulator process). */
export interface ClientCredentials {
  readonly accountId: string;
  readonly csdsDomain: string;
  readonly username: string;
  readonly password: string;
  readonly token: string;
  readonly userId: string;
  readonly userPid: string;
  readonly ca: string;
}

export type EmulatorCommand =
  /** `n` frames to each of `usernames`, batch by batch in turn, so every connection is fed at once. */
  | { kind: 'inject'; usernames: readonly string[]; n: number; batch: number }
  | { kind: 'rings'; skill: string; rate: number; count: number; timeoutMs: number };

export type EmulatorReply =
  | { kind: 'ready'; caFile: string; credentials: ClientCredentials[] }
  | { kind: 'injected'; start: number; end: number; cpuMicros: number }
  | { kind: 'rings'; latencies: number[]; missing: number };

export type ClientKind = 'raw' | 'sdk' | 'lp' | 'lpObserved';

export interface ClientArgs {
  readonly kind: ClientKind;
  /** One connection each, all counted together; the first is the one that takes rings. */
  readonly credentials: readonly ClientCredentials[];
  /** The first connection goes ONLINE with a routing subscription and accepts WAITING rings. */
  readonly rings: boolean;
}

export type ClientCommand =
  | { kind: 'expect'; n: number }
  /** `n` GetClock round trips on the first connection, `window` in flight at once. */
  | { kind: 'commands'; n: number; window: number };

export type ClientReply =
  | { kind: 'ready' }
  | { kind: 'armed' }
  | { kind: 'done'; end: number; count: number; cpuMicros: number; systemMicros: number }
  | { kind: 'commanded'; start: number; end: number; count: number; cpuMicros: number }
  | { kind: 'error'; message: string };

/** A forked child speaking one request/reply protocol over IPC, with bounded waits. */
export interface Child<Command, Reply> {
  readonly process: ChildProcess;
  send(command: Command): void;
  /** The next reply of this kind; rejects after `timeoutMs`, or when the child exits or reports an error. */
  next<K extends Reply extends { kind: infer T } ? T : never>(kind: K, timeoutMs: number): Promise<Extract<Reply, { kind: K }>>;
  /** Disconnects, waits for the exit; SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

function profileArgs(): string[] {
  const dir = process.env['LP_BENCH_PROFILE'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `taskset`, when this machine has it (util-linux, on every Debian): how children are pinned to a CPU. */
export const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((path) => existsSync(path));

/**
 * Forks `script` under tsx (`node --import tsx`), with `env` added to this process's, pinned to
 * CPU `cpu` (with `taskset`) when one is given. With `LP_BENCH_PROFILE=dir` in the environment
 * every child writes a V8 CPU profile into `dir`.
 */
export function forkChild<Command, Reply extends { kind: string }>(
  name: string,
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  cpu?: number,
): Child<Command, Reply> {
  const pin = cpu !== undefined && TASKSET ? TASKSET : undefined;
  const child = fork(script, [...args], {
    // Pinned: taskset runs node, which inherits the IPC channel like any forked child.
    ...(pin ? { execPath: pin } : {}),
    execArgv: [...(pin ? ['-c', String(cpu), process.execPath] : []), '--import', 'tsx', '--expose-gc', ...profileArgs()],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
  const queue: Reply[] = [];
  const waiters: { kind: string; ok: (reply: Reply) => void; fail: (error: Error) => void }[] = [];
  let exited = false;
  const exit = new Promise<void>((ok) =>
    child.once('exit', (code, signal) => {
      exited = true;
      for (const w of waiters.splice(0)) w.fail(new Error(`${name} exited (${code ?? signal ?? '?'}): ${stderr}`));
      ok();
    }),
  );
  child.on('message', (message: unknown) => {
    if (!isRecord(message) || typeof message['kind'] !== 'string') return;
    // Shapes are this module's own types: both ends are in this directory.
    const reply = message as Reply;
    if (reply.kind === 'error') {
      for (const w of waiters.splice(0)) w.fail(new Error(`${name}: ${String(message['message'])}`));
      return;
    }
    const index = waiters.findIndex((w) => w.kind === reply.kind);
    const waiter = index >= 0 ? waiters.splice(index, 1)[0] : undefined;
    if (waiter) waiter.ok(reply);
    else queue.push(reply);
  });
  return {
    process: child,
    send: (command) => {
      if (!exited) child.send(command as object);
    },
    next: (kind, timeoutMs) => {
      const queued = queue.findIndex((r) => r.kind === kind);
      if (queued >= 0) return Promise.resolve(queue.splice(queued, 1)[0] as Extract<Reply, { kind: typeof kind }>);
      if (exited) return Promise.reject(new Error(`${name} has exited: ${stderr}`));
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          fail(new Error(`${name}: no '${String(kind)}' within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        const waiter = {
          kind: String(kind),
          ok: (reply: Reply) => {
            clearTimeout(timer);
            ok(reply as Extract<Reply, { kind: typeof kind }>);
          },
          fail: (error: Error) => {
            clearTimeout(timer);
            fail(error);
          },
        };
        waiters.push(waiter);
      });
    },
    stop: async (graceMs = 3_000) => {
      if (exited) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** In a child: sends a reply to the parent. */
export function reply<Reply>(message: Reply): void {
  process.send?.(message as object);
}

/** In a child: calls `handler` for each parent command; exits when the parent disconnects. */
export function onCommand<Command>(handler: (command: Command) => void | Promise<void>, onDisconnect: () => void | Promise<void>): void {
  process.on('message', (message: unknown) => {
    if (!isRecord(message)) return;
    Promise.resolve(handler(message as Command)).catch((error: unknown) =>
      reply({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.once('disconnect', () => {
    Promise.resolve(onDisconnect()).finally(() => process.exit(0));
  });
}
