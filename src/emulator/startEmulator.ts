import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { createControlHandler } from './adapters/control.js';
import { createHttpHandler } from './adapters/http.js';
import { createWsAdapter } from './adapters/wsServer.js';
import { createEngine } from './engine/engine.js';
import type { Emulator, EmulatorOptions } from './types.js';

/**
 * Starts an emulator: a real HTTP and websocket server on 127.0.0.1 speaking LivePerson's
 * Messaging Agent API (CSDS, login, refresh, the brand websocket with routing, conversations and
 * messaging), plus controls to add agents, simulate consumers and inject faults. Instances share
 * nothing; `close()` leaves no server, socket or timer behind.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, seed: 1 });
 * const creds = emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
 * const consumer = await emulator.consumer({ skillId: '-1' });
 * await consumer.send('hello');
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const engine = createEngine(options);
  const certificate = options.tls ? await selfSignedCertificate() : undefined;
  const rest = createHttpHandler(engine.http);
  // The control API and the console, on the same port; bound once the emulator object exists.
  const bound: { control?: (req: IncomingMessage, res: ServerResponse) => boolean } = {};
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!bound.control?.(req, res)) rest(req, res);
  };
  const server: Server = certificate ? createTlsServer({ key: certificate.private, cert: certificate.cert }, handler) : createServer(handler);
  const ws = createWsAdapter(engine);
  server.on('upgrade', ws.upgrade);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const emulator = engine.emulator({
    host,
    // What createAgent (and AuthOptions) need to reach a TLS emulator: wss/https and trust its cert.
    credentials: certificate ? { secure: true, ca: certificate.cert } : {},
    ...(certificate ? { ca: certificate.cert } : {}),
    close: () => {
      closing ??= (async () => {
        engine.dispose();
        await ws.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  });
  bound.control = createControlHandler(emulator, engine.core);
  return emulator;
}

/** A certificate for 127.0.0.1 and localhost, made at start (EC P-256: a few ms) and never stored. */
function selfSignedCertificate(): Promise<{ private: string; cert: string }> {
  return generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
}
