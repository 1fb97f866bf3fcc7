import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import type { Browser, Page } from 'playwright-core';
import { createAgent, type Agent } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { demoBot, echoOf, GREETING } from '../../docs/examples/demoBot';
import { launchChromium } from './harness';

/** Screenshots go here (git ignores it). */
const output = join(__dirname, '..', '..', 'test-output', 'console');

describe('the emulator web console in headless Chromium, with the demo bot', () => {
  let emulator: Emulator;
  let agent: Agent;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    emulator = await startEmulator({ port: 0, seed: 91, recordFrames: true });
    agent = createAgent({ ...emulator.addAgent({ username: 'demo-bot', password: 'demo-secret', skills: ['-1'] }), keepAlive: 0, reconnect: { initialInterval: 50, jitter: 0 } });
    agent.run(demoBot(agent));
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 560 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    agent?.dispose();
    await emulator?.close();
  });

  const botSays = (text: string) => page.getByTestId('bot-message').filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
  const say = async (text: string): Promise<void> => {
    await page.getByTestId('text').fill(text);
    await page.getByTestId('text').press('Enter');
  };

  it('opens a conversation, chats, renders the menu card and quick replies, and the bot answers again after a drop', async () => {
    await page.goto(`http://${emulator.host}/`);
    await page.getByTestId('agent').filter({ hasText: 'demo-bot' }).filter({ hasText: 'ONLINE' }).waitFor();
    await page.getByTestId('new-conversation').click();
    await botSays(GREETING);
    await say('hi');
    await botSays(echoOf('hi'));
    await page.getByTestId('conversation').first().filter({ hasText: 'OPEN' }).waitFor();

    await say('menu');
    await page.getByTestId('card').first().waitFor();
    await page.getByTestId('quick-reply').filter({ hasText: 'Prices' }).waitFor();
    await page.screenshot({ path: join(output, 'menu.png') });
    await page.getByTestId('quick-reply').filter({ hasText: 'Prices' }).click();
    await botSays(echoOf('Prices'));

    // The bot's frames are in the inspector.
    await page.getByTestId('frame').filter({ hasText: 'PublishEvent' }).first().waitFor();

    const reopened = firstValueFrom(agent.connection$.pipe(filter((s) => s.status === 'reconnecting')));
    await page.getByTestId('drop-code').selectOption('1006');
    await page.getByTestId('drop').click();
    await reopened;
    await firstValueFrom(agent.connection$.pipe(filter((s) => s.status === 'open')));
    await say('still there?');
    await botSays(echoOf('still there?'));
    await page.getByTestId('read').first().waitFor();
    await page.screenshot({ path: join(output, 'after-drop.png') });
    expect(await page.getByTestId('bot-message').filter({ hasText: echoOf('still there?') }).count()).toBe(1);
  }, 60_000);
});
