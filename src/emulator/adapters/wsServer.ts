import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Engine } from '../engine/engine.js';
import type { AgentSession, SessionTransport } from '../engine/session.js';

/**
 * The websocket adapter: upgrades `/ws_api/account/{acc}/messaging/brand/{bearer}` requests the
 * engine admits (a bare HTTP 401/404 otherwise) and carries each one's frames, pings and close
 * to and from its engine session.
 *
 * @example
 * const ws = createWsAdapter(engine);
 * server.on('upgrade', ws.upgrade);
 * await ws.close();
 */
export function createWsAdapter(engine: Engine): { upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void; close(): Promise<void> } {
  // Pongs are answered here, so that `faults.stopAnswering()` can withhold them.
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  return {
    upgrade: (req, socket, head) => {
      socket.on('error', () => undefined);
      const admitted = engine.admit(req.url ?? '/');
      if ('status' in admitted) return refuse(socket, admitted.status, admitted.text, admitted.body);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (engine.core.closed) return ws.terminate();
        attach(ws, engine.open(admitted, wsTransport(ws)));
      });
    },
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function wsTransport(ws: WebSocket): SessionTransport {
  return {
    send: (text) => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(text);
      return true;
    },
    sendMany: (frames) => {
      // Server frames are unmasked text frames (no extension is negotiated), so writing them on the
      // raw socket bypasses nothing of ws's sender state. `_socket` is ws's (long-stable) handle on
      // the net/tls socket.
      const raw = (ws as unknown as { _socket?: { write(chunk: Buffer): boolean } })._socket;
      if (ws.readyState !== WebSocket.OPEN || !raw) return false;
      raw.write(frames.wire);
      return true;
    },
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
  };
}

function attach(ws: WebSocket, session: AgentSession): void {
  ws.on('message', (data: RawData) => session.receive(textOf(data)));
  ws.on('ping', (data: Buffer) => {
    if (session.answersPing()) ws.pong(data);
  });
  ws.on('close', () => session.ended());
  // An 'error' is always followed by 'close'; listening keeps it from being thrown.
  ws.on('error', () => undefined);
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
}

/** Answers a refused upgrade with a bare HTTP status on the raw socket, then closes it. */
function refuse(socket: Duplex, status: number, text: string, body: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
