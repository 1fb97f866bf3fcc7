import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { build } from 'esbuild';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { until } from './until';

/**
 * lp-agent-rx/angular in a real headless Chromium (from @sparticuz/chromium, nothing downloaded):
 * an Angular app bundled with esbuild for platform browser, served from its own loopback port,
 * connects with a bearer token to the emulator, accepts a ring through a pipeline and renders a
 * consumer's message; destroying the app disposes the agent.
 */
jest.setTimeout(30_000);

const root = join(__dirname, '..', '..');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('lp-agent-rx/angular in headless Chromium', () => {
  let emulator: Emulator;
  let browser: Browser;
  let page: Page;
  let pageServer: Server;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const bundled = await build({
      absWorkingDir: root,
      entryPoints: ['spec/angular/page/main.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      logLevel: 'silent',
    });
    // The core's browser build comes from package.json's `browser` field: no ws, no Node built-ins.
    const inputs = Object.keys(bundled.metafile.inputs);
    expect(inputs.filter((path) => /node_modules\/ws\//.test(path) || /nodeSocket|trustingFetch/.test(path))).toEqual([]);
    const script = bundled.outputFiles[0]?.text ?? '';

    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    const pageConfig = JSON.stringify({ credentials: emulator.issueToken('bot'), host: emulator.host }).replace(/</g, '\\u003c');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>lp-agent-rx/angular</title></head><body>
<lp-inbox></lp-inbox><script>window.__LP__ = ${pageConfig};</script><script src="/app.js"></script></body></html>`;
    pageServer = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
      else if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html' }).end(html);
      else res.writeHead(404).end();
    });
    const origin = await listen(pageServer);

    browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${origin}/`);
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
    await until(() => emulator.connections() === 0);
    expect(pageErrors).toEqual([]);
  });
});
