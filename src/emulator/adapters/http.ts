import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, parseJson, type PlainAnswer, type PlainRequest } from '../engine/auth.js';

/**
 * The node:http adapter of the engine's REST side (CSDS, login, refresh, logout): reads the
 * request into a {@link PlainRequest}, writes the {@link PlainAnswer} back.
 *
 * @example
 * const server = http.createServer(createHttpHandler(createAuthService(state, () => host)));
 */
export function createHttpHandler(answer: (request: PlainRequest) => PlainAnswer): (req: IncomingMessage, res: ServerResponse) => void {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const { status, headers: answerHeaders, body: text } = answer({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      body: body === tooLarge ? '' : body,
      ...(body === tooLarge ? { bodyTooLarge: true } : {}),
    });
    res.writeHead(status, { ...answerHeaders, 'Content-Length': String(Buffer.byteLength(text)) }).end(text);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 400, { error: { message: 'Bad request' } });
      else res.destroy();
    });
  };
}

export const tooLarge = Symbol('tooLarge');

/** The body as text; `tooLarge` past 1 MiB. */
async function readBody(req: IncomingMessage): Promise<string | typeof tooLarge> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Reads to the end even past the limit: stopping early would tear the socket down before the 413.
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  return size > MAX_BODY_BYTES ? tooLarge : Buffer.concat(chunks).toString('utf8');
}

/** The body parsed as JSON; `undefined` when it is not JSON, `tooLarge` past 1 MiB. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  return body === tooLarge ? tooLarge : parseJson(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }).end(text);
}
