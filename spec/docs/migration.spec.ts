import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { killGroup, spawnGroup } from '../support/processes';

const root = join(__dirname, '..', '..');

describe('the migration guide\'s seed bot (docs/examples/migration-bot.ts)', () => {
  let emulator: Emulator | undefined;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    // The whole group: tsx runs the bot in a child process of its own.
    await killGroup(child);
    await emulator?.close();
  });

  it('answers a message the consumer wrote before the ring was accepted, and later ones', async () => {
    emulator = await startEmulator({ port: 0, seed: 4 });
    const creds = emulator.addAgent({ username: 'seed-bot', password: 'seed-secret', skills: ['-1'] });
    child = spawnGroup(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'docs/examples/tsconfig.json', 'docs/examples/migration-bot.ts'], {
      cwd: root,
      env: { ...process.env, LP_ACCOUNT: creds.accountId, LP_USER: creds.username, LP_PASS: creds.password, LP_CSDS: creds.csdsDomain },
      stdio: 'ignore',
    });
    const online = firstValueFrom(
      emulator.requests$.pipe(filter((r) => r.username === 'seed-bot' && r.request.type === '.ams.routing.SetAgentState'), timeout({ first: 30_000 })),
    );
    // The consumer writes first: the bot is not in the conversation yet, so only history brings it.
    const consumer = await emulator.consumer({ skillId: '-1' });
    await consumer.send('are you there?');
    await online;
    const first = firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent'), timeout({ first: 15_000 })));
    expect((await first).event).toMatchObject({ message: 'You said: are you there?' });
    const second = firstValueFrom(
      consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent' && r.event.message === 'You said: and now?'), timeout({ first: 15_000 })),
    );
    await consumer.send('and now?');
    await second;
  }, 60_000);
});
