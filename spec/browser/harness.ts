import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { build } from 'esbuild';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';

/** Shared by the framework-free and the Angular Chromium specs: bundle a page, serve it, open Chromium. */

const root = join(__dirname, '..', '..');

/** Listens on a free loopback port; resolves with the origin. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server and every connection it still holds. */
export async function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Bundles a TS entry for the browser as esbuild does for users; returns the script and the modules it took in. */
export async function bundlePage(entry: string): Promise<{ script: string; inputs: string[] }> {
  const bundled = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return { script: bundled.outputFiles[0]?.text ?? '', inputs: Object.keys(bundled.metafile.inputs) };
}

/** Modules a browser bundle must never contain: `ws` and the Node-only platform files. */
export const nodeOnlyInputs = (inputs: readonly string[]): string[] =>
  inputs.filter((path) => /node_modules\/ws\//.test(path) || /nodeSocket|trustingFetch/.test(path));

/**
 * Serves `body` (with `config` as `window.__LP__`) and the bundled script from its own loopback
 * origin. With `strictCsp`, the page is sent with `Content-Security-Policy: script-src 'self'
 * 'nonce-…'` (no 'unsafe-eval'), and every violation the browser reports is collected in
 * `window.__violations` as `directive blockedURI`.
 */
export async function servePage(
  title: string,
  body: string,
  config: unknown,
  script: string,
  options: { strictCsp?: boolean } = {},
): Promise<{ server: Server; origin: string }> {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const nonce = randomBytes(16).toString('base64');
  const violations = options.strictCsp
    ? "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    : '';
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>
${body}<script nonce="${nonce}">${violations} window.__LP__ = ${json};</script><script src="/app.js"></script></body></html>`;
  const headers: Record<string, string> = { 'Content-Type': 'text/html' };
  if (options.strictCsp) headers['Content-Security-Policy'] = `script-src 'self' 'nonce-${nonce}'`;
  const server = createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    else if (req.url === '/') res.writeHead(200, headers).end(html);
    else res.writeHead(404).end();
  });
  return { server, origin: await listen(server) };
}

/** Launches Chromium and opens `url`, collecting the page's uncaught errors in `errors`. */
export async function openPage(url: string, options: { sameOriginPolicy?: boolean } = {}): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await launchChromium(options);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { browser, page, errors };
}

/** Headless Chromium from @sparticuz/chromium: shipped inside the npm package, nothing downloaded. */
export async function launchChromium(options: { sameOriginPolicy?: boolean } = {}): Promise<Browser> {
  const args = options.sameOriginPolicy ? [...chromium.args.filter((arg) => arg !== '--disable-web-security'), '--no-sandbox'] : chromium.args;
  return playwright.launch({ executablePath: await chromium.executablePath(), args, headless: true });
}
