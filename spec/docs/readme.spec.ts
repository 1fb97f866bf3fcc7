import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { startEmulator, type Emulator } from '../../src/emulator/index';

const root = join(__dirname, '..', '..');

describe('the README example', () => {
  let emulator: Emulator | undefined;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await emulator?.close();
  });

  it('is the quickstart example, verbatim', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = readFileSync(join(root, 'docs/examples/quickstart.ts'), 'utf8');
    expect(readme).toContain('```ts\n' + example + '```');
    expect(example.trim().split('\n').length).toBeLessThanOrEqual(20);
  });

  it('runs: the bot accepts a ring and answers the consumer', async () => {
    emulator = await startEmulator({ port: 0, seed: 3 });
    const creds = emulator.addAgent({ username: 'readme-bot', password: 'readme-secret', skills: ['-1'] });
    let output = '';
    child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'docs/examples/tsconfig.json', 'docs/examples/quickstart.ts'], {
      cwd: root,
      env: { ...process.env, LP_ACCOUNT: creds.accountId, LP_USER: creds.username, LP_PASS: creds.password, LP_CSDS: creds.csdsDomain },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));

    // The bot is ready once it is ONLINE on a routing subscription; then a consumer rings it.
    await firstValueFrom(
      emulator.requests$.pipe(filter((r) => r.username === 'readme-bot' && r.request.type === '.ams.routing.SetAgentState'), timeout({ first: 30_000 })),
    );
    const consumer = await emulator.consumer({ skillId: '-1' });
    const answered = firstValueFrom(
      consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent'), timeout({ first: 15_000 })),
    );
    await firstValueFrom(
      emulator.requests$.pipe(filter((r) => r.request.type === '.ams.routing.UpdateRingState'), timeout({ first: 15_000 })),
    );
    await consumer.send('hello');
    expect((await answered).event).toMatchObject({ type: 'ContentEvent', message: 'Got it!' });
    expect(output).not.toContain('readme-secret');
  }, 60_000);
});
