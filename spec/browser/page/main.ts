/**
 * A framework-free page that runs an agent in the browser: bundled by chromium.spec.ts with
 * esbuild (platform browser, no configuration), served from another loopback port than the
 * emulator's. It reads its config from `window.__LP__`, renders what happens into the DOM, and
 * checks CORS from its own origin.
 */
import { filter, firstValueFrom } from 'rxjs';
import { acceptWaitingRings, createAgent, createCsdsClient, type TokenCredentials } from '../../../src/index.js';

/** The few DOM members used here (the spec's TypeScript program has no DOM lib). */
interface PageElement {
  textContent: string | null;
  append(child: PageElement): void;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
};

interface PageConfig {
  readonly credentials: TokenCredentials;
  /** The emulator, `127.0.0.1:port`. */
  readonly host: string;
  /** A loopback server that sends no CORS headers: a cross-origin fetch to it must fail. */
  readonly noCorsUrl: string;
}

const config = Reflect.get(globalThis, '__LP__') as PageConfig;
const { credentials, host } = config;

function show(id: string, text: string): void {
  const element = document.getElementById(id);
  if (element) element.textContent = text;
}

function append(id: string, text: string): void {
  const item = document.createElement('li');
  item.textContent = text;
  document.getElementById(id)?.append(item);
}

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

async function checkCors(): Promise<void> {
  // CSDS through the library: the global fetch, from this page's origin.
  const domains = await createCsdsClient({ csdsDomain: host }).resolve(credentials.accountId);
  show('csds', domains['facadeMsg'] ?? 'missing');
  // A JSON content type makes this a non-simple request: the browser sends an OPTIONS preflight first.
  const response = await fetch(`http://${host}/api/account/${credentials.accountId}/service/baseURI.json?version=1.0`, {
    headers: { 'Content-Type': 'application/json' },
  });
  show('preflight', String(response.status));
  // A header the emulator does not allow: the preflight refuses it, so the fetch itself fails.
  try {
    await fetch(`http://${host}/api/account/${credentials.accountId}/service/baseURI.json?version=1.0`, { headers: { 'X-Not-Allowed': '1' } });
    show('refused', 'allowed');
  } catch {
    show('refused', 'blocked');
  }
  // Proof that the browser enforces CORS at all: a server without CORS headers is refused.
  try {
    await fetch(config.noCorsUrl);
    show('nocors', 'allowed');
  } catch {
    show('nocors', 'blocked');
  }
}

async function runAgent(): Promise<void> {
  // Token auth with a `domains` override: no CSDS call and no login call before the websocket.
  const agent = createAgent({ ...credentials, domains: { facadeMsg: host }, keepAlive: 1_000, reconnect: false });
  agent.connection$.subscribe((state) => show('status', state.status));
  agent.errors$.subscribe((error) => append('errors', `${error.kind}: ${error.message}`));
  agent.conversations$.pipe(filter((change) => change.myRole !== undefined)).subscribe((change) => show('joined', change.convId));
  agent.messages$.subscribe((event) => {
    if (event.type === 'ContentEvent' && !event.isMe && typeof event.event.message === 'string') append('messages', event.event.message);
  });
  await firstValueFrom(agent.connect());
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
  await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [`${credentials.accountId}.${credentials.userId}`] }));
  agent.run(agent.rings$.pipe(acceptWaitingRings()));
  show('ready', 'yes');
}

checkCors().catch((error: unknown) => show('csds', `failed: ${describe(error)}`));
runAgent().catch((error: unknown) => show('ready', `failed: ${describe(error)}`));
