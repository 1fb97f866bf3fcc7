import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Spawns a process in a process group of its own, so that it can be killed with everything it
 * started (tsx runs the script in a child of its own: killing tsx alone leaves that child behind).
 */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(command, args, { ...options, detached: true });
}

/** Kills a process group started by {@link spawnGroup} and waits for its leader to exit. */
export async function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!child || child.pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
  await exited;
}
