import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { killGroup, spawnGroup } from '../support/processes';
import { eventually } from '../support/eventually';

const root = join(__dirname, '..', '..');

/** JSON over https, trusting the emulator's self-signed certificate. */
function call(ca: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & unknown[] }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, ca, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> & unknown[] }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The lines a process prints, as they come. */
function linesOf(child: ChildProcess): string[] {
  const lines: string[] = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  return lines;
}

describe('any bot, any language: node-agent-sdk against a standalone lp-emulator, the consumer driven over HTTP only', () => {
  let emulator: ChildProcess | undefined;
  let bot: ChildProcess | undefined;
  afterAll(async () => {
    await killGroup(bot, 'SIGKILL');
    await killGroup(emulator, 'SIGTERM');
  });

  it('a consumer opened over the control API gets the SDK bot\'s answers, read back over the API', async () => {
    emulator = spawnGroup(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'src/emulator/cli.ts', '--tls', '--agent', 'sdkbot:sdk-secret'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const printed = linesOf(emulator);
    await eventually(() => printed.some((l) => l.startsWith('Ctrl-C')), 'lp-emulator to start', 20_000);
    const value = (key: string): string => printed.find((l) => l.trim().startsWith(`${key}:`))?.split(/:\s+/)[1]?.split(' ')[0] ?? '';
    const host = value('csdsDomain');
    const caFile = value('ca');
    const accountId = value('accountId');
    const ca = readFileSync(caFile, 'utf8');
    const api = `https://${host}/emulator`;

    bot = spawnGroup(process.execPath, [join(root, 'spec/conformance/nodeAgentSdkBot.mjs'), JSON.stringify({ accountId, username: 'sdkbot', password: 'sdk-secret', csdsDomain: host })], {
      cwd: root,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const botLines = linesOf(bot);
    await eventually(() => botLines.includes('online'), 'the SDK bot to go online', 20_000);
    await eventually(async () => ((await call(ca, 'GET', `${api}/agents`)).body as unknown as Array<{ availability?: string }>)[0]?.availability === 'ONLINE', 'ONLINE at the emulator');

    const opened = await call(ca, 'POST', `${api}/consumers`, { skillId: '-1' });
    expect(opened.status).toBe(201);
    const convId = String(opened.body['convId']);
    // node-agent-sdk sees only what is written after it joined (it fetches no history): wait for the accept.
    const assigned = async (): Promise<number> =>
      ((await call(ca, 'GET', `${api}/conversations`)).body as unknown as Array<{ convId: string; participants: Record<string, string[] | undefined> }>).find((c) => c.convId === convId)?.participants['ASSIGNED_AGENT']?.length ?? 0;
    await eventually(async () => (await assigned()) === 1, 'the SDK bot to accept the ring');
    expect((await call(ca, 'POST', `${api}/consumers/${convId}/messages`, { text: 'hello from HTTP' })).status).toBe(201);
    const answers = async (): Promise<string[]> =>
      ((await call(ca, 'GET', `${api}/consumers/${convId}/received`)).body as unknown as Array<{ event: { type: string; message?: string } }>)
        .filter((r) => r.event.type === 'ContentEvent')
        .map((r) => String(r.event.message));
    await eventually(async () => (await answers()).includes('sdk echo: hello from HTTP'), 'the SDK bot answer', 10_000);
    expect((await call(ca, 'POST', `${api}/consumers/${convId}/messages`, {})).status).toBe(400);
  }, 60_000);
});
