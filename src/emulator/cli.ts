#!/usr/bin/env node
import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './startEmulator.js';
import type { AgentOptions, Emulator } from './types.js';

const usage = 'usage: lp-emulator [--port N] [--tls] [--seed N] [--agent user:pass[:skill,...]]...';

/** `user:pass[:skill,...]`; skills default to `-1` (any). */
function parseAgent(spec: string): AgentOptions {
  const [username, password, skills] = spec.split(':');
  if (!username || password === undefined || password === '') throw new Error(`--agent ${spec}: expected user:pass[:skill,...]`);
  return { username, password, skills: skills ? skills.split(',').filter((s) => s !== '') : ['-1'] };
}

function parseNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} ${value}: expected a non-negative integer`);
  return n;
}

/** How to point a bot at this emulator: values, a createAgent call and an env block. */
function instructions(emulator: Emulator, agents: readonly AgentOptions[], caFile: string | undefined): string {
  const scheme = caFile ? 'https/wss' : 'http/ws';
  const [first] = agents;
  const lines = [
    `lp-emulator: LivePerson Messaging Agent API on ${emulator.host} (${scheme})`,
    `  console:    ${caFile ? 'https' : 'http'}://${emulator.host}/  (chat as a consumer, frames, faults)`,
    `  control:    ${caFile ? 'https' : 'http'}://${emulator.host}/emulator/  (HTTP+JSON API, docs/emulator.md)`,
    `  accountId:  ${emulator.accountId}`,
    `  csdsDomain: ${emulator.host}`,
    ...agents.map((a) => `  agent:      ${a.username} / ${a.password} (skills ${(a.skills ?? ['-1']).join(',')})`),
    ...(caFile ? [`  ca:         ${caFile} (self-signed; trust it)`] : []),
    '',
    'createAgent({',
    `  accountId: '${emulator.accountId}', csdsDomain: '${emulator.host}',`,
    `  username: '${first?.username ?? ''}', password: '${first?.password ?? ''}',`,
    ...(caFile ? [`  secure: true, ca: readFileSync('${caFile}', 'utf8'),`] : []),
    '});',
    '',
    '# env',
    `LP_ACCOUNT=${emulator.accountId}`,
    `LP_USER=${first?.username ?? ''}`,
    `LP_PASS=${first?.password ?? ''}`,
    `LP_CSDS=${emulator.host}`,
    ...(caFile ? [`LP_CA_FILE=${caFile}`, `NODE_EXTRA_CA_CERTS=${caFile}`] : []),
    '',
    'Ctrl-C stops it.',
  ];
  return `${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      tls: { type: 'boolean', default: false },
      seed: { type: 'string' },
      agent: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const agents = (values.agent ?? ['bot:secret']).map(parseAgent);
  const emulator = await startEmulator({
    port: parseNumber('port', values.port, 0),
    seed: parseNumber('seed', values.seed, 1),
    tls: values.tls,
    recordFrames: true,
  });
  for (const agent of agents) emulator.addAgent(agent);
  let caFile: string | undefined;
  if (emulator.ca !== undefined) {
    caFile = join(tmpdir(), `lp-emulator-${emulator.host.split(':')[1] ?? 'ca'}.pem`);
    writeFileSync(caFile, emulator.ca);
  }
  process.stdout.write(instructions(emulator, agents, caFile));

  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (caFile) unlinkSync(caFile);
    // Once the server and every socket are closed nothing holds the event loop: the process exits 0.
    void emulator.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`lp-emulator: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exitCode = 2;
});
