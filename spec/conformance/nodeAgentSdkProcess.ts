import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Subject, type Observable } from 'rxjs';
import type { DriverLine, NodeAgentSdkConfig, NodeAgentSdkMethod, NodeAgentSdkMethods } from './nodeAgentSdk';

/** node-agent-sdk running in a child process, driven over JSON lines (see `nodeAgentSdkDriver.mjs`). */
export interface NodeAgentSdkProcess {
  /** Every line the driver writes, hot. */
  readonly lines$: Observable<DriverLine>;
  /** What the driver wrote on stderr (the SDK's warnings), for failure messages. */
  readonly stderr: () => string;
  /** Calls `sdk[method](body, callback)`; rejects with the SDK's error (a whole `resp` frame for codes >= 400). */
  call<M extends NodeAgentSdkMethod>(method: M, body: Parameters<NodeAgentSdkMethods[M]>[0]): Promise<unknown>;
  /** Disposes of the SDK and waits for the process to exit; SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const driver = join(__dirname, 'nodeAgentSdkDriver.mjs');

/**
 * Starts node-agent-sdk with `config`, trusting the certificate in `caFile` through
 * NODE_EXTRA_CA_CERTS: the SDK's `request` calls take no CA option, and Node reads that variable
 * only at start-up, so the jest worker itself never trusts the emulator.
 */
export function spawnNodeAgentSdk(config: NodeAgentSdkConfig, caFile: string): NodeAgentSdkProcess {
  const child = spawn(process.execPath, [driver, JSON.stringify(config)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines$ = new Subject<DriverLine>();
  const pending = new Map<number, { resolve: (body: unknown) => void; reject: (error: unknown) => void }>();
  let stderr = '';
  let nextId = 1;
  const exited = once(child, 'exit');

  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = toDriverLine(JSON.parse(text));
    if (!line) return;
    if (line.kind === 'response') {
      const call = pending.get(line.id);
      pending.delete(line.id);
      if ('error' in line) call?.reject(line.error);
      else call?.resolve(line.body);
    }
    lines$.next(line);
  });
  child.on('exit', () => {
    for (const call of pending.values()) call.reject(new Error(`node-agent-sdk exited; stderr: ${stderr}`));
    pending.clear();
    lines$.complete();
  });

  return {
    lines$,
    stderr: () => stderr,
    call: (method, body) =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('node-agent-sdk has exited'));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.stdin.write(`${JSON.stringify({ id, method, body })}\n`);
      }),
    stop: async (graceMs = 2_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows one parsed stdout line; anything else is ignored. */
function toDriverLine(value: unknown): DriverLine | undefined {
  if (!isRecord(value)) return undefined;
  switch (value['kind']) {
    case 'connected':
      return typeof value['agentId'] === 'string' && typeof value['legacyId'] === 'string'
        ? { kind: 'connected', agentId: value['agentId'], legacyId: value['legacyId'] }
        : undefined;
    case 'notification':
      return typeof value['type'] === 'string' ? { kind: 'notification', type: value['type'], body: value['body'] } : undefined;
    case 'response':
      if (typeof value['id'] !== 'number') return undefined;
      return 'error' in value ? { kind: 'response', id: value['id'], error: value['error'] } : { kind: 'response', id: value['id'], body: value['body'] };
    case 'error':
      return { kind: 'error', message: String(value['message']), code: value['code'], payload: value['payload'] };
    case 'closed':
      return typeof value['code'] === 'number' ? { kind: 'closed', code: value['code'] } : { kind: 'closed' };
    default:
      return undefined;
  }
}
