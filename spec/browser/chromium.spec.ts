import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { bundlePage, close, listen, nodeOnlyInputs, openPage, servePage } from './harness';

/**
 * The core in a real headless Chromium (from @sparticuz/chromium, nothing downloaded): a page
 * bundled with esbuild for platform browser, served from its own loopback port, runs an agent with
 * a bearer token against the emulator over plain ws, and renders a consumer's message.
 */
jest.setTimeout(30_000);

describe('lp-agent-rx in headless Chromium', () => {
  let emulator: Emulator;
  let browser: Browser;
  let page: Page;
  let pageServer: Server;
  let noCorsServer: Server;
  let pageOrigin: string;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    const { script, inputs } = await bundlePage('spec/browser/page/main.ts');
    expect(nodeOnlyInputs(inputs)).toEqual([]);

    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    noCorsServer = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
    const noCorsUrl = `${await listen(noCorsServer)}/data.json`;

    ({ server: pageServer, origin: pageOrigin } = await servePage(
      'lp-agent-rx',
      `<p>status <span id="status"></span> ready <span id="ready"></span> joined <span id="joined"></span></p>
<p>csds <span id="csds"></span> preflight <span id="preflight"></span> refused <span id="refused"></span> nocors <span id="nocors"></span></p>
<ul id="messages"></ul><ul id="errors"></ul>`,
      { credentials: emulator.issueToken('bot'), host: emulator.host, noCorsUrl },
      script,
    ));

    // Keep the same-origin policy on: the CORS checks below mean nothing without it.
    ({ browser, page, errors: pageErrors } = await openPage(`${pageOrigin}/`, { sameOriginPolicy: true }));
  });

  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
    await close(pageServer);
    await close(noCorsServer);
  });

  const text = async (id: string): Promise<string> => (await page.locator(`#${id}`).textContent()) ?? '';

  it('connects with a bearer token and a domains override, and renders a consumer message', async () => {
    await page.locator('#ready:not(:empty)').waitFor();
    expect(await text('ready')).toBe('yes');
    expect(await text('status')).toBe('open');
    expect(emulator.connections('bot')).toBe(1);

    const consumer = await emulator.consumer({ skillId: '-1' });
    await page.locator('#joined', { hasText: consumer.convId }).waitFor();
    await consumer.send('hello from the consumer');
    await page.locator('#messages li', { hasText: 'hello from the consumer' }).waitFor();
    expect(await page.locator('#messages li').allTextContents()).toEqual(['hello from the consumer']);
    expect(await page.locator('#errors li').allTextContents()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('reaches the emulator CSDS cross-origin: through the library, and through a preflighted fetch', async () => {
    await page.locator('#nocors:not(:empty)').waitFor();
    expect(await text('csds')).toBe(emulator.host);
    expect(await text('preflight')).toBe('200');
    // The preflight is really checked: a header the emulator does not allow is refused.
    expect(await text('refused')).toBe('blocked');
    // The browser enforces CORS: a loopback server without CORS headers is refused.
    expect(await text('nocors')).toBe('blocked');
  });

  it('answers the preflight itself with 204 and the allowed methods and headers', async () => {
    const response = await fetch(`http://${emulator.host}/api/account/${emulator.accountId}/login`, {
      method: 'OPTIONS',
      headers: { Origin: pageOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Content-Type/i);
    const foreign = await fetch(`http://${emulator.host}/api/account/${emulator.accountId}/service/baseURI.json`, {
      headers: { Origin: 'https://evil.example' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
