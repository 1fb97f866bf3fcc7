import { join } from 'node:path';
import { filter, firstValueFrom, ReplaySubject, take, timeout, toArray } from 'rxjs';
import { createAgent, type Agent } from '../../src/index';
import type { KnownEventRecord } from '../../src/protocol/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { CLOSE_WORD, demoBot, echoOf, GREETING, MENU, MENU_REPLIES } from '../../docs/examples/demoBot';
import { killGroup, spawnGroup } from '../support/processes';

const root = join(__dirname, '..', '..');

function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.LP_ACCOUNT;
    delete env.LP_USER;
    delete env.LP_PASS;
    delete env.LP_CSDS;
    const child = spawnGroup(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'docs/examples/tsconfig.json', 'docs/examples/demo.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    // A hung demo is killed with everything tsx started.
    const killer = setTimeout(() => void killGroup(child), 50_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

describe('npm start (docs/examples/demo.ts)', () => {
  it('runs the scripted consumers against the emulator, prints a summary and exits 0', async () => {
    const { code, output } = await runDemo();
    expect({ code, output }).toMatchObject({ code: 0 });
    const summary = /^summary: (\d+) conversations \((\d+) greeted, (\d+) closed\), (\d+) consumer messages, (\d+) bot messages, (\d+) receipts, reply latency p50 [\d.]+ms p90 [\d.]+ms p99 [\d.]+ms$/m.exec(output);
    expect(summary).not.toBeNull();
    const [, conversations, greeted, closed, consumerMessages, botMessages, receipts] = (summary ?? []).map(Number);
    expect(conversations).toBe(5);
    expect(greeted).toBe(conversations);
    expect(closed).toBe(conversations);
    expect(receipts).toBe(consumerMessages);
    expect(botMessages).toBe(consumerMessages); // a greeting per conversation, an echo per message but #close

    // Every conversation of the transcript was greeted and closed, each exactly once.
    const convsOf = (what: string): string[] =>
      output.split('\n').filter((l) => l.endsWith(` bot      ${what}`)).map((l) => /\[([0-9a-f-]{8})\]/.exec(l)?.[1] ?? '?');
    const opened = output.split('\n').filter((l) => l.endsWith('opens a conversation')).map((l) => /\[([0-9a-f-]{8})\]/.exec(l)?.[1] ?? '?');
    expect(opened).toHaveLength(5);
    expect(convsOf(GREETING).sort()).toEqual([...opened].sort());
    expect(convsOf('closed the conversation').sort()).toEqual([...opened].sort());

    // The slow-model bot: typing while it thinks, one outcome per consumer message, in order, and a handover.
    const model = /^slow model: (\d+) consumer messages, (\d+) outcomes \((\d+) replies, (\d+) fallbacks, (\d+) handovers, (\d+) silent\): one per message, replies in order$/m.exec(output);
    expect(model).not.toBeNull();
    const [, modelSent, modelOutcomes, , , handovers] = (model ?? []).map(Number);
    expect(modelOutcomes).toBe(modelSent);
    expect(handovers).toBe(1);
    expect(output).toMatch(/model {4}\(typing\.\.\.\)/);
    expect(output).toContain('handed the conversation over to the humans skill');

    // Not a TTY: plain lines, no carriage returns; and no secret anywhere.
    expect(output).not.toContain('\r');
    expect(output).not.toContain('demo-secret');
    expect(output).not.toContain('model-secret');
    expect(output).not.toMatch(/error|warn/);
  }, 60_000);
});

describe('npm start -- --console', () => {
  it('keeps the emulator and the demo bot running, prints the console URL, serves the console and its API, and stops on SIGTERM', async () => {
    const child = spawnGroup(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'docs/examples/tsconfig.json', 'docs/examples/demo.ts', '--console'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no console URL in: ${output}`)), 30_000);
        child.stdout?.on('data', () => {
          const found = /console: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
      });
      expect(await (await fetch(url)).text()).toContain('lp-emulator console');
      expect(await (await fetch(`${url}emulator/agents`)).json()).toEqual([expect.objectContaining({ username: 'demo-bot', availability: 'ONLINE', connections: 1 })]);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM'); // tsx hands it to the demo, which closes and exits 0
      expect(await exited).toBe(0);
    } finally {
      await killGroup(child);
    }
  }, 60_000);
});

describe('demoBot(agent) against the emulator', () => {
  let emulator: Emulator;
  let agent: Agent;

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 7 });
    agent = createAgent(emulator.addAgent({ username: 'bot', password: 'bot-secret', skills: ['-1'] }));
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    agent.run(demoBot(agent));
  });

  const afterTest: Array<() => void> = [];
  afterEach(async () => {
    for (const f of afterTest.splice(0)) f();
    agent.dispose();
    await emulator.close();
  });

  it('greets once, marks each message READ once, types around each reply and closes on #close', async () => {
    const consumer = await emulator.consumer({ skillId: '-1' });
    // Chat states are never stored, so received$ shows them live only: record from the start.
    const seen = new ReplaySubject<KnownEventRecord>();
    const recording = consumer.received$.subscribe(seen);
    afterTest.push(() => recording.unsubscribe());
    const kinds = (n: number) => firstValueFrom(seen.pipe(take(n), toArray(), timeout({ first: 5_000 })));

    expect((await kinds(1))[0]?.event).toEqual({ type: 'ContentEvent', contentType: 'text/plain', message: GREETING });
    const first = await consumer.send('hello');
    const second = await consumer.send('again');
    // greeting, then per message: READ, COMPOSING, echo, ACTIVE (the two messages may interleave).
    const events = (await kinds(9)).slice(1).map((r) => r.event);
    const perMessage = (said: string, seq: number) =>
      events.filter(
        (e) =>
          (e.type === 'AcceptStatusEvent' && e.sequenceList.includes(seq)) ||
          (e.type === 'ContentEvent' && e.message === echoOf(said)),
      );
    for (const [said, seq] of [['hello', first], ['again', second]] as const) {
      const [receipt, echo] = perMessage(said, seq);
      expect(receipt).toEqual({ type: 'AcceptStatusEvent', status: 'READ', sequenceList: [seq] });
      expect(echo).toMatchObject({ type: 'ContentEvent', message: echoOf(said) });
    }
    const states = events.filter((e) => e.type === 'ChatStateEvent').map((e) => (e.type === 'ChatStateEvent' ? e.chatState : ''));
    expect(states).toEqual(['COMPOSING', 'ACTIVE', 'COMPOSING', 'ACTIVE']);
    // COMPOSING precedes the first echo, ACTIVE follows the last one.
    const firstEcho = events.findIndex((e) => e.type === 'ContentEvent');
    expect(events.slice(0, firstEcho).some((e) => e.type === 'ChatStateEvent' && e.chatState === 'COMPOSING')).toBe(true);
    expect(events[events.length - 1]).toEqual({ type: 'ChatStateEvent', chatState: 'ACTIVE' });

    const closed = firstValueFrom(
      agent.conversations$.pipe(filter((c) => c.convId === consumer.convId && c.type === 'DELETE'), timeout({ first: 5_000 })),
    );
    const closeSeq = await consumer.send(CLOSE_WORD);
    await closed;
    expect(emulator.conversation(consumer.convId)?.state).toBe('CLOSE');

    // Exactly one greeting and one READ per consumer message, no reply to #close.
    const all = (await kinds(10)).map((r) => r.event);
    expect(all.filter((e) => e.type === 'ContentEvent' && e.message === GREETING)).toHaveLength(1);
    expect(all.filter((e) => e.type === 'AcceptStatusEvent').map((e) => (e.type === 'AcceptStatusEvent' ? e.sequenceList : []))).toEqual([[first], [second], [closeSeq]]);
    expect(all.filter((e) => e.type === 'ContentEvent')).toHaveLength(3);
  });

  it('answers "menu" with a card and quick replies, keyed by the message; a quick reply is echoed', async () => {
    const consumer = await emulator.consumer({ skillId: '-1' });
    const contents = consumer.received$.pipe(filter((r) => r.event.type === 'RichContentEvent' || (r.event.type === 'ContentEvent' && r.event.message !== GREETING)));
    const menu$ = firstValueFrom(contents.pipe(timeout({ first: 5_000 })));
    await consumer.send('Menu');
    const menu = (await menu$).event;
    expect(menu).toEqual({ type: 'RichContentEvent', content: MENU, quickReplies: MENU_REPLIES });
    const echo$ = firstValueFrom(contents.pipe(filter((r) => r.event.type === 'ContentEvent'), timeout({ first: 5_000 })));
    await consumer.clickQuickReply({ title: 'Prices' });
    expect((await echo$).event).toMatchObject({ type: 'ContentEvent', message: echoOf('Prices') });
  });

  it('sends one receipt per message even when the server delivers it twice', async () => {
    emulator.faults.duplicateEvents();
    const consumer = await emulator.consumer({ skillId: '-1' });
    await firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ContentEvent'), timeout({ first: 5_000 })));
    const seq = await consumer.send('twice?');
    await firstValueFrom(consumer.received$.pipe(filter((r) => r.event.type === 'ChatStateEvent' && r.event.chatState === 'ACTIVE'), timeout({ first: 5_000 })));
    // A round trip: any receipt the duplicate made the bot send reached the server before this answer.
    await firstValueFrom(agent.getClock());
    const receipts = emulator.conversation(consumer.convId)?.events.filter((e) => e.event.type === 'AcceptStatusEvent') ?? [];
    expect(receipts.map((e) => (e.event.type === 'AcceptStatusEvent' ? e.event.sequenceList : []))).toEqual([[seq]]);
  });
});
