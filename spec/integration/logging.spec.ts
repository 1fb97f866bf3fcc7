import { firstValueFrom } from 'rxjs';
import { createAgent, type AgentConfig, type Logger } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { next } from './helpers';
import { eventually } from '../support/eventually';

/** A pino-shaped logger that keeps every line, with the bindings of the child it was made from. */
function capturingLogger(): { logger: Logger; lines: string[]; bindings: Record<string, unknown>[] } {
  const lines: string[] = [];
  const bindings: Record<string, unknown>[] = [];
  const make = (fields: Record<string, unknown>): Logger => ({
    child: (more) => {
      bindings.push(more);
      return make({ ...fields, ...more });
    },
    debug: (m) => void lines.push(`debug ${JSON.stringify(fields)} ${m}`),
    info: (m) => void lines.push(`info ${JSON.stringify(fields)} ${m}`),
    warn: (m) => void lines.push(`warn ${JSON.stringify(fields)} ${m}`),
    error: (m) => void lines.push(`error ${JSON.stringify(fields)} ${m}`),
  });
  return { logger: make({}), lines, bindings };
}

describe('logging: a pino-compatible logger, and no secret in any line', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 61 });
  });
  afterEach(() => emulator.close());

  /** Each credential kind, with the secrets it carries. */
  const kinds: Array<[string, () => { config: AgentConfig; wrong: AgentConfig; secrets: string[] }]> = [
    ['password', () => {
      const config = emulator.addAgent({ username: 'bot', password: 'pw-Zq81-secret' });
      return { config, wrong: { ...config, password: 'pw-Zq81-secret-wrong' }, secrets: ['pw-Zq81-secret', 'pw-Zq81-secret-wrong'] };
    }],
    ['OAuth1 keys', () => {
      emulator.addAgent({ username: 'bot', password: 'pw-unused-1' });
      const config = emulator.oauthCredentials('bot');
      const wrong = { ...config, secret: `${config.secret}-wrong`, accessTokenSecret: `${config.accessTokenSecret}-wrong` };
      return { config, wrong, secrets: [config.secret, config.accessToken, config.accessTokenSecret, wrong.secret, wrong.accessTokenSecret] };
    }],
    ['SAML assertion', () => {
      emulator.addAgent({ username: 'bot', password: 'pw-unused-2' });
      const config = emulator.assertionCredentials('bot');
      return { config, wrong: { ...config, assertion: `${config.assertion}x` }, secrets: [config.assertion] };
    }],
    ['bearer token', () => {
      emulator.addAgent({ username: 'bot', password: 'pw-unused-3' });
      const config = emulator.issueToken('bot');
      return { config, wrong: { ...config, token: `${config.token}-wrong` }, secrets: [config.token, `${config.token}-wrong`] };
    }],
  ];

  it.each(kinds)('%s: login, refresh, an expired token and a refused login log useful lines without a secret', async (_kind, make) => {
    const { config, wrong, secrets } = make();
    const { logger, lines, bindings } = capturingLogger();
    const errors: string[] = [];
    const agent = createAgent({ ...config, logger, keepAlive: 0, refreshInterval: 20, reconnect: { initialInterval: 10, jitter: 0, maxRetries: 3 } });
    agent.errors$.subscribe((e) => errors.push(`${e.kind} ${e.message}`));
    try {
      await firstValueFrom(agent.connect());
      // Refreshes happen (password, OAuth and assertion sessions have a CSRF token to refresh with).
      if (!('token' in config)) await eventually(() => lines.some((l) => l.includes('session refreshed')), 'a refresh');
      // The session expires: a 4401 close, then a new login (the bearer of a caller's token cannot be renewed).
      const dropped = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.expireTokens();
      await dropped;
      await next(agent.connection$, (s) => s.status === 'open' || s.status === 'closed');
    } finally {
      agent.dispose();
    }
    // A refused login with the same kind of secret in it.
    const refused = createAgent({ ...wrong, logger, reconnect: false });
    refused.errors$.subscribe((e) => errors.push(`${e.kind} ${e.message}`));
    await expect(firstValueFrom(refused.connect())).rejects.toBeDefined();
    refused.dispose();

    expect(bindings).toContainEqual({ lib: 'lp-agent-rx', accountId: config.accountId });
    expect(lines.some((l) => /^info .*connection open/.test(l))).toBe(true);
    expect(lines.some((l) => /^warn .*connection reconnecting \(attempt 1, after close 4401\)/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('debug') && l.includes('/messaging/brand/***'))).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    const everything = [...lines, ...errors].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('is silent by default', async () => {
    const writes: unknown[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => jest.spyOn(console, level).mockImplementation((...a: unknown[]) => void writes.push(a)));
    const agent = createAgent({ ...emulator.addAgent({ username: 'quiet', password: 'pw' }), keepAlive: 0 });
    try {
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.getClock());
    } finally {
      agent.dispose();
      for (const spy of spies) spy.mockRestore();
    }
    expect(writes).toEqual([]);
  });
});
