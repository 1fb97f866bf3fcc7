import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { bundlePage, close, nodeOnlyInputs, openPage, servePage } from '../browser/harness';
import { eventually } from '../support/eventually';

/**
 * lp-agent-rx/angular in a real headless Chromium (from @sparticuz/chromium, nothing downloaded):
 * an Angular app bundled with esbuild for platform browser, served from its own loopback port,
 * connects with a bearer token to the emulator, accepts a ring through a pipeline and renders a
 * consumer's message; destroying the app disposes the agent.
 */
jest.setTimeout(30_000);

describe('lp-agent-rx/angular in headless Chromium', () => {
  let emulator: Emulator;
  let browser: Browser;
  let page: Page;
  let pageServer: Server;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    const { script, inputs } = await bundlePage('spec/angular/page/main.ts');
    // The core's browser build comes from package.json's `browser` field: no ws, no Node built-ins.
    expect(nodeOnlyInputs(inputs)).toEqual([]);

    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    const served = await servePage('lp-agent-rx/angular', '<lp-inbox></lp-inbox>', { credentials: emulator.issueToken('bot'), host: emulator.host }, script);
    pageServer = served.server;
    const origin = served.origin;

    ({ browser, page, errors: pageErrors } = await openPage(`${origin}/`));
  });

  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
    await close(pageServer);
  });

  it('connects on bootstrap, accepts the ring and renders what the consumer wrote, in the zone', async () => {
    await page.locator('#status', { hasText: 'open' }).waitFor({ timeout: 10_000 });
    expect(emulator.connections('bot')).toBe(1);
    // The pipeline's SubscribeRoutingTasks, SetAgentState and SubscribeExConversations, then the ring's UpdateRingState.
    await page.locator('#done', { hasText: '3' }).waitFor({ timeout: 5_000 });
    await emulator.consumer({ skillId: '-1' }).then(async (consumer) => {
      await page.locator('#done', { hasText: '4' }).waitFor({ timeout: 5_000 });
      await consumer.send('hello from the consumer');
    });
    const item = page.locator('#messages li', { hasText: 'hello from the consumer' });
    await item.waitFor({ timeout: 5_000 });
    expect(await page.locator('#messages li').allTextContents()).toEqual(['hello from the consumer']);
    expect(await item.getAttribute('data-in-zone')).toBe('true');
    expect(await page.locator('#errors li').allTextContents()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('disposes the agent when the app is destroyed', async () => {
    await page.evaluate(() => (Reflect.get(globalThis, '__LP_DESTROY__') as () => void)());
    await eventually(() => emulator.connections() === 0, 'every socket closed');
    expect(pageErrors).toEqual([]);
  });
});
