import { request } from 'node:https';

/**
 * A `fetch` whose https calls trust `ca` (a PEM certificate, e.g. the emulator's self-signed
 * one) on top of Node's default roots. Node's global fetch takes no per-call CA, and a custom
 * undici dispatcher would tie us to one undici version; `node:https` takes `ca` directly.
 * Enough for auth calls: string bodies, `AbortSignal` timeouts, buffered answers. Plain `http:`
 * URLs go to the global fetch unchanged.
 *
 * @example
 * const options: AuthOptions = { csdsDomain: emulator.host, secure: true, fetch: fetchTrusting(emulator.ca) };
 */
export function fetchTrusting(ca: string | Buffer): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:') return globalThis.fetch(input, init);
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('fetchTrusting sends string bodies only');
    }
    const body = init.body ?? undefined;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers, ca, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, one);
          }
          const noBody = status === 204 || status === 205 || status === 304;
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        });
      });
      // Rejects with the signal's reason (a TimeoutError for AbortSignal.timeout), as fetch does.
      req.on('error', (error) => reject(init.signal?.aborted ? (init.signal.reason as unknown) : error));
      req.end(body);
    });
  };
}
