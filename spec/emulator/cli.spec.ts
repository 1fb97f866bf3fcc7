import type { ChildProcess } from 'node:child_process';
import { killGroup, spawnGroup } from '../support/processes';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Resolves with the first stdout text matching `pattern` (the whole output so far is searched). */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = pattern.exec(out);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`lp-emulator exited (${String(code)}) before printing ${String(pattern)}: ${out}`)));
  });
}

describe('lp-emulator CLI', () => {
  it('starts a standalone emulator, prints where it is, and exits 0 on SIGTERM', async () => {
    const child = spawnGroup(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'src/emulator/cli.ts'), '--port', '0', '--seed', '7', '--agent', 'bot:s3cret:-1'],
      { cwd: root },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // A failed assertion must not leave the emulator process (and jest) running.
    const stop = setTimeout(() => void killGroup(child), 15_000);
    try {
      const [, account, csdsDomain] = await waitForOutput(child, /LP_ACCOUNT=(\S+)\n[^]*LP_CSDS=(\S+)\n/);
      const response = await fetch(`http://${csdsDomain ?? ''}/api/account/${account ?? ''}/login?v=1.3`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'bot', password: 's3cret' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty('bearer');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    clearTimeout(stop);
  });
});
