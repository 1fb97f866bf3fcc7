import { spawn } from 'node:child_process';
import { join } from 'node:path';

const running = new Set<() => void>();

/** Kills every child still running (an `afterAll`, for a spec that timed out before its `finally`). */
export function stopAllChildren(): void {
  for (const stop of running) stop();
  running.clear();
}

/** What a swarm run in a child process found. */
export interface ChildReport {
  readonly seeds: number;
  readonly failures: string[];
  readonly coverage: string[];
}

/**
 * Runs seeds `first .. first + count - 1` with `npm run simulate -- --json` in a child process (the
 * other core). `stop()` kills it (call it in a `finally`, so no spec leaves it behind).
 *
 * @example
 * const other = swarmInChild(1001, 1000);
 * try { await other.report; } finally { other.stop(); }
 */
export function swarmInChild(first: number, count: number): { readonly report: Promise<ChildReport>; stop(): void } {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--tsconfig', join(root, 'spec', 'tsconfig.json'), join(root, 'spec', 'sim', 'cli.ts'), '--json', '--from', String(first), '--seeds', String(count)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx starts node as a grandchild, and stop() ends both.
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const report = new Promise<ChildReport>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildReport);
      } catch {
        reject(new Error(`the simulator's child process ended with ${String(code)} and no report: ${err.slice(0, 2_000)}`));
      }
    });
  });
  const stop = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  running.add(stop);
  void report.finally(() => running.delete(stop)).catch(() => undefined);
  return { report, stop };
}
