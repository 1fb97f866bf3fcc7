import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { killGroup, spawnGroup } from './processes';

/** Whether `redis-server` is on PATH. */
export const redisInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

const HOW_TO = 'install it (Debian/Ubuntu: `apt-get install -y redis-server`; macOS: `brew install redis`); `.ci/run` does so itself';

/**
 * `describe` for specs that need a real Redis: on a machine without `redis-server` they are
 * skipped with a loud notice, except under CI (`CI` set), where a missing server fails the run.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisInstalled) return describe(name, body);
  if (process.env['CI']) throw new Error(`redis-server is not on PATH: ${HOW_TO}`);
  process.stderr.write(`\n*** redis-server is not on PATH: "${name}" is SKIPPED. To run it, ${HOW_TO}. ***\n\n`);
  describe.skip(name, body);
}

/** Throws, with how to install it, when `redis-server` is not on PATH (for scripts). */
export function requireRedis(): void {
  if (!redisInstalled) throw new Error(`redis-server is not on PATH: ${HOW_TO}`);
}

/** A redis-server of our own on a free loopback port, with persistence off. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** A new client (closed by `stop()` if still open). */
  client(): Redis;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawnGroup('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  const clients: Redis[] = [];
  const url = `redis://127.0.0.1:${port}`;
  const client = (): Redis => {
    const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 20) });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };
  const probe = client();
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await probe.ping()) === 'PONG') break;
    } catch (e) {
      if (Date.now() > end) throw e;
    }
  }
  return {
    port,
    url,
    client,
    async stop() {
      for (const c of clients) c.disconnect();
      await killGroup(child, 'SIGKILL');
    },
  };
}
