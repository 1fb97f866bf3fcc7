import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { bundlePage, close, openPage, servePage } from './harness';

/**
 * The decoder under a strict Content-Security-Policy (script-src without 'unsafe-eval') in headless
 * Chromium: generating its guards is refused, it falls back to the generic ones, and the agent
 * still decodes and delivers every frame.
 */
jest.setTimeout(30_000);

describe('lp-agent-rx under a Content-Security-Policy without unsafe-eval', () => {
  let emulator: Emulator;
  let browser: Browser;
  let page: Page;
  let pageServer: Server;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    const { script } = await bundlePage('spec/browser/page/main.ts');
    emulator = await startEmulator({ port: 0, seed: 2 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    const served = await servePage(
      'lp-agent-rx, strict CSP',
      `<p>status <span id="status"></span> ready <span id="ready"></span> joined <span id="joined"></span></p>
<p>csds <span id="csds"></span> preflight <span id="preflight"></span> refused <span id="refused"></span> nocors <span id="nocors"></span></p>
<ul id="messages"></ul><ul id="errors"></ul>`,
      // No server behind the page's no-CORS check: that fetch fails, as it should; it is not looked at here.
      { credentials: emulator.issueToken('bot'), host: emulator.host, noCorsUrl: 'http://127.0.0.1:9/data.json' },
      script,
      { strictCsp: true },
    );
    pageServer = served.server;
    ({ browser, page, errors: pageErrors } = await openPage(`${served.origin}/`, { sameOriginPolicy: true }));
  });

  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
    await close(pageServer);
  });

  it('is refused code generation, and still decodes and delivers a consumer message', async () => {
    await page.locator('#ready:not(:empty)').waitFor();
    expect(await page.locator('#ready').textContent()).toBe('yes');
    const consumer = await emulator.consumer({ skillId: '-1' });
    await page.locator('#joined', { hasText: consumer.convId }).waitFor();
    await consumer.send('hello under CSP');
    await page.locator('#messages li', { hasText: 'hello under CSP' }).waitFor();
    expect(await page.locator('#messages li').allTextContents()).toEqual(['hello under CSP']);
    expect(await page.locator('#errors li').allTextContents()).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The policy was in force and refused the decoder's one attempt at generating code.
    const violations = (await page.evaluate(() => Reflect.get(globalThis, '__violations'))) as string[];
    expect(violations.filter((v) => v.endsWith(' eval'))).toEqual(['script-src eval']);
  });
});
