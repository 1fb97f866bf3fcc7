/**
 * Scale bench (Step 4): memory of one agent following many conversations under a long message
 * stream, and the cost of many agents in one process.
 *
 * 1. One agent, `conversations` open conversations (injected ExConversationChangeNotification
 *    UPSERTs where it is ASSIGNED_AGENT, so it follows their dialogs), then `messages`
 *    OnlineEventDistribution frames spread round-robin over those dialogs with increasing
 *    sequences (plus 1 % late duplicates, which the agent must drop), through `messages$` and a
 *    user's `dedupeMessages()`. Memory is sampled during the run and measured after a full gc at
 *    baseline, with the conversations open, after the messages, after every conversation is
 *    closed (DELETE, state CLOSE), and after the user's pipeline is unsubscribed.
 * 2. `agents` agents in one process on one emulator: each logs in (CSDS, login, websocket),
 *    subscribes to routing tasks and goes ONLINE; connect latency and RSS/heap per agent.
 *
 * Not a jest spec. Run it alone:
 *
 * @example
 * npx tsx spec/perf/scale.ts --conversations 10000 --messages 1000000 --agents 200
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { createAgent, dedupeMessages, type Agent } from '../../src/index.js';
import type { ConversationChange } from '../../src/domain/index.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import {
  aConversationChange,
  consumerMessageFrame,
  conversationFrame,
  frameText,
  seedIds,
} from '../../src/testing/index.js';

/** Options of {@link runScale}; every count is bounded (see `LIMITS`). */
export interface ScaleOptions {
  /** Open conversations followed by the one agent. Default 10,000. */
  conversations?: number;
  /** Messages spread over those conversations. Default 1,000,000. */
  messages?: number;
  /** Agents connected in one process. Default 200. */
  agents?: number;
  /** Progress lines; default: none. */
  log?: (line: string) => void;
}

/** Memory at one point: bytes. */
export interface MemoryPoint {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Part 1: one agent, many conversations, many messages. */
export interface ConversationsResult {
  readonly conversations: number;
  readonly messages: number;
  /** Late duplicates injected on top of `messages`; none may reach `messages$`. */
  readonly duplicatesInjected: number;
  /** What reached `agent.messages$`, and the user's `messages$.pipe(dedupeMessages())`. */
  readonly delivered: number;
  readonly deliveredAfterDedupe: number;
  /** Seconds to push every message frame through (injection to last delivery). */
  readonly messageSeconds: number;
  /** After a full gc. */
  readonly baseline: MemoryPoint;
  readonly afterOpen: MemoryPoint;
  readonly afterMessages: MemoryPoint;
  readonly afterClose: MemoryPoint;
  /** After the user's dedupeMessages() pipeline is also unsubscribed. */
  readonly afterUnsubscribe: MemoryPoint;
  /** Highest sample while the messages flowed (no gc). */
  readonly peak: MemoryPoint;
  /** Dialogs the agent still follows after the closes (`stats().followedDialogs`). */
  readonly agentDialogsAfterClose: number;
}

/** Part 2: many agents in one process. */
export interface AgentsResult {
  readonly agents: number;
  /** Logins in flight at once. */
  readonly concurrency: number;
  /** connect() latency per agent, ms: CSDS + login + websocket, with `concurrency` in flight. */
  readonly connectP50: number;
  readonly connectP99: number;
  readonly connectMax: number;
  /** Wall time until every agent was connected, subscribed and ONLINE, ms. */
  readonly totalMs: number;
  readonly baseline: MemoryPoint;
  readonly connected: MemoryPoint;
}

export interface ScaleResult {
  readonly conversations: ConversationsResult;
  readonly agents: AgentsResult;
  readonly gc: boolean;
  readonly seconds: number;
  readonly machine: string;
}

const LIMITS = { conversations: 100_000, messages: 5_000_000, agents: 1_000 } as const;
/** Message frames injected before yielding to the event loop. */
const BATCH = 500;
/** Frames allowed in flight (injected, not yet decoded by the agent): bounds socket buffering. */
const WINDOW = 4_000;
/** Conversation changes per ExConversationChangeNotification frame. */
const CHANGES_PER_FRAME = 100;
const AGENT_CONCURRENCY = 20;
const STEP_TIMEOUT = 120_000;

/**
 * Runs both scale measurements on fresh in-process emulators (loopback ws).
 *
 * @example
 * const result = await runScale({ conversations: 1_000, messages: 100_000, agents: 20, log: console.log });
 * console.log(formatScale(result));
 */
export async function runScale(options: ScaleOptions = {}): Promise<ScaleResult> {
  const conversations = bounded('conversations', options.conversations ?? 10_000, LIMITS.conversations);
  const messages = bounded('messages', options.messages ?? 1_000_000, LIMITS.messages);
  const agents = bounded('agents', options.agents ?? 200, LIMITS.agents);
  const log = options.log ?? ((): void => undefined);
  const gc = exposeGc();
  if (!gc) log('warning: gc could not be exposed; retained numbers include garbage');
  const start = performance.now();
  // Agents first: their RSS delta is measured before part 1 leaves freed-but-mapped memory behind.
  const agentsResult = await runAgents(agents, gc, log);
  const conversationsResult = await runConversations(conversations, messages, gc, log);
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  return {
    conversations: conversationsResult,
    agents: agentsResult,
    gc: gc !== undefined,
    seconds: (performance.now() - start) / 1000,
    machine: `${cpu}, ${os.cpus().length} cores, node ${process.version}, ${os.platform()} ${os.arch()}`,
  };
}

// ---------------------------------------------------------------- part 1

async function runConversations(
  conversations: number,
  messages: number,
  gc: (() => void) | undefined,
  log: (line: string) => void,
): Promise<ConversationsResult> {
  const emulator = await startEmulator({ port: 0, seed: 1 });
  const username = 'scale-conversations';
  const subscriptions: Subscription[] = [];
  let agent: Agent | undefined;
  try {
    emulator.addAgent({ username, password: 'scale' });
    const token = emulator.issueToken(username);
    const me = emulator.agentIdentity(username);
    agent = createAgent({ ...token, reconnect: false, follow: false });
    const a = agent;

    let frames = 0;
    let delivered = 0;
    let deliveredAfterDedupe = 0;
    let upserts = 0;
    let deletes = 0;
    subscriptions.push(
      a.notifications$.pipe(filter((n) => n.type === '.ams.ms.OnlineEventDistribution')).subscribe(() => frames++),
      a.messages$.subscribe(() => delivered++),
      a.conversations$.subscribe((c) => (c.type === 'DELETE' ? deletes++ : upserts++)),
      a.errors$.subscribe((e) => log(`agent error: ${e.kind}: ${e.message}`)),
    );
    // The user's pipeline: what a bot would write on top of the agent's own exactly-once.
    const userPipeline = a.messages$.pipe(dedupeMessages()).subscribe(() => deliveredAfterDedupe++);
    await firstValueFrom(a.connect());
    await until(() => emulator.connections(username) === 1, 'agent connection');

    const convIds = Array.from({ length: conversations }, (_, i) => uuidOf(i));
    const baseline = await measure(gc);
    log(`part 1: baseline ${mib(baseline.heapUsed)} heap, ${mib(baseline.rss)} rss; opening ${conversations} conversations`);

    // Open: UPSERTs where this agent is the ASSIGNED_AGENT, so it follows each MAIN dialog.
    const participants = [
      { id: seedIds.consumerId, legacyId: seedIds.consumerId, role: 'CONSUMER', state: 'ACTIVE' },
      { id: me.userPid, legacyId: me.legacyId, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
    ] as const;
    const identity = { accountId: me.accountId, legacyId: me.legacyId, userPid: me.userPid };
    const change = (convId: string, closed: boolean): ConversationChange =>
      aConversationChange(
        {
          type: closed ? 'DELETE' : 'UPSERT',
          conversation: {
            convId,
            brandId: me.accountId,
            participants: participants.map((p) => ({ ...p })),
            ...(closed ? { state: 'CLOSE', closeReason: 'AGENT', endTs: Date.now() } : {}),
          },
        },
        identity,
      );
    await injectConversations(emulator, username, convIds, (id) => change(id, false));
    await until(() => upserts === conversations, `${conversations} UPSERTs`, STEP_TIMEOUT);
    const afterOpen = await measure(gc);
    log(`part 1: ${conversations} open, ${mib(afterOpen.heapUsed)} heap; pushing ${messages} messages`);

    // Messages: message i goes to dialog i % C with sequence floor(i / C) + 1.
    const render = messageTemplate();
    const peak = { rss: 0, heapUsed: 0 };
    const sample = (): void => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    };
    const sampler = setInterval(sample, 50);
    let duplicates = 0;
    let injected = 0;
    const startMessages = performance.now();
    let lastLog = startMessages;
    try {
      let previous: string[] = [];
      for (let i = 0; i < messages; i += BATCH) {
        const batch: string[] = [];
        const end = Math.min(messages, i + BATCH);
        for (let j = i; j < end; j++) {
          const text = render(convIds[j % conversations] ?? '', Math.floor(j / conversations) + 1, j);
          batch.push(text);
          emulator.injectFrame(text, { username });
        }
        injected += batch.length;
        // 1 % late duplicates: frames of the previous batch, already delivered.
        for (let k = 0; k < previous.length; k += 100) {
          emulator.injectFrame(previous[k] ?? '', { username });
          duplicates++;
          injected++;
        }
        previous = batch;
        await until(() => frames >= injected - WINDOW, 'frames in flight to drain', STEP_TIMEOUT, true);
        const now = performance.now();
        if (now - lastLog > 5_000) {
          sample();
          lastLog = now;
          log(`part 1: ${end.toLocaleString('en-US')} / ${messages.toLocaleString('en-US')} messages, ${format(end / ((now - startMessages) / 1000))} msgs/s, rss ${mib(peak.rss)} peak`);
        }
      }
      await until(() => frames >= injected, 'every message frame', STEP_TIMEOUT, true);
    } finally {
      clearInterval(sampler);
    }
    sample();
    const messageSeconds = (performance.now() - startMessages) / 1000;
    const afterMessages = await measure(gc);
    log(`part 1: ${messages} messages in ${messageSeconds.toFixed(1)} s, ${mib(afterMessages.heapUsed)} heap after gc; closing`);

    await injectConversations(emulator, username, convIds, (id) => change(id, true));
    await until(() => deletes === conversations, `${conversations} DELETEs`, STEP_TIMEOUT);
    const afterClose = await measure(gc);
    const agentDialogsAfterClose = a.stats().followedDialogs;
    userPipeline.unsubscribe();
    const afterUnsubscribe = await measure(gc);
    log(`part 1: closed, ${mib(afterClose.heapUsed)} heap; ${mib(afterUnsubscribe.heapUsed)} without the user's dedupeMessages()`);

    return {
      conversations,
      messages,
      duplicatesInjected: duplicates,
      delivered,
      deliveredAfterDedupe,
      messageSeconds,
      baseline,
      afterOpen,
      afterMessages,
      afterClose,
      afterUnsubscribe,
      peak,
      agentDialogsAfterClose,
    };
  } finally {
    for (const s of subscriptions) s.unsubscribe();
    agent?.dispose();
    await emulator.close();
  }
}

/** Injects one change per conversation, `CHANGES_PER_FRAME` per frame, yielding between frames. */
async function injectConversations(
  emulator: Emulator,
  username: string,
  convIds: readonly string[],
  change: (convId: string) => ConversationChange,
): Promise<void> {
  for (let i = 0; i < convIds.length; i += CHANGES_PER_FRAME) {
    const changes = convIds.slice(i, i + CHANGES_PER_FRAME).map(change);
    emulator.injectFrame(frameText(conversationFrame(changes)), { username });
    if ((i / CHANGES_PER_FRAME) % 10 === 9) await nextTurn();
  }
}

/**
 * The consumer's text message frame (the recorded fixture) with its dialog, sequence, timestamp
 * and text filled in by string concatenation: building 1M frames with JSON.stringify would cost
 * as much as the agent under test.
 */
function messageTemplate(): (dialogId: string, sequence: number, index: number) => string {
  const { body } = consumerMessageFrame;
  const marks = { dialog: '@@DIALOG@@', sequence: 970_000_001, timestamp: 970_000_002, text: '@@TEXT@@' } as const;
  const text = frameText({
    ...consumerMessageFrame,
    body: {
      ...body,
      dialogId: marks.dialog,
      sequence: marks.sequence,
      serverTimestamp: marks.timestamp,
      event: { type: 'ContentEvent', contentType: 'text/plain', message: `hi, where is my order #${marks.text}?` },
    },
  });
  const pattern = /@@DIALOG@@|970000001|970000002|@@TEXT@@/g;
  const parts: string[] = [];
  const slots: string[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    parts.push(text.slice(last, match.index));
    slots.push(match[0]);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  if (slots.length !== 4) throw new Error(`scale: message template has ${slots.length} slots, expected 4`);
  const ts = body.serverTimestamp ?? 0;
  return (dialogId, sequence, index) => {
    let out = parts[0] ?? '';
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s];
      const value =
        slot === marks.dialog ? dialogId : slot === String(marks.sequence) ? String(sequence) : slot === String(marks.timestamp) ? String(ts + index) : String(100_000 + index);
      out += value + (parts[s + 1] ?? '');
    }
    return out;
  };
}

/** A deterministic conversation id shaped like LivePerson's (a UUID). */
function uuidOf(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `5ca1e000-0000-4000-8000-${hex}`;
}

// ---------------------------------------------------------------- part 2

async function runAgents(count: number, gc: (() => void) | undefined, log: (line: string) => void): Promise<AgentsResult> {
  const emulator = await startEmulator({ port: 0, seed: 2 });
  const agents: Agent[] = [];
  try {
    const creds = Array.from({ length: count }, (_, i) => emulator.addAgent({ username: `scale-agent-${i}`, password: 'scale' }));
    const baseline = await measure(gc);
    log(`part 2: baseline ${mib(baseline.rss)} rss; connecting ${count} agents, ${AGENT_CONCURRENCY} at a time`);
    const latencies: number[] = [];
    const start = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < count; i = next++) {
        const c = creds[i];
        if (!c) continue;
        const agent = createAgent({ ...c, reconnect: false });
        agents.push(agent);
        const t0 = performance.now();
        await firstValueFrom(agent.connect());
        latencies.push(performance.now() - t0);
        if (latencies.length % 50 === 0) log(`part 2: ${latencies.length} / ${count} agents connected`);
        await firstValueFrom(agent.subscribeRoutingTasks());
        await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(AGENT_CONCURRENCY, count) }, worker));
    const totalMs = performance.now() - start;
    await until(() => emulator.connections() === count, `${count} agent sockets`);
    const connected = await measure(gc);
    const sorted = [...latencies].sort((x, y) => x - y);
    log(`part 2: ${count} agents ONLINE in ${(totalMs / 1000).toFixed(2)} s, ${mib(connected.rss - baseline.rss)} rss over baseline`);
    return {
      agents: count,
      concurrency: AGENT_CONCURRENCY,
      connectP50: quantile(sorted, 0.5),
      connectP99: quantile(sorted, 0.99),
      connectMax: sorted[sorted.length - 1] ?? 0,
      totalMs,
      baseline,
      connected,
    };
  } finally {
    for (const agent of agents) agent.dispose();
    await until(() => emulator.connections() === 0, 'agents to disconnect').catch(() => undefined);
    await emulator.close();
  }
}

// ---------------------------------------------------------------- report

/**
 * The result as markdown: one table per part, with the machine and the counts that ran.
 *
 * @example
 * process.stdout.write(formatScale(await runScale()) + '\n');
 */
export function formatScale(result: ScaleResult): string {
  const c = result.conversations;
  const a = result.agents;
  const perConv = (p: MemoryPoint): string => `${format((p.heapUsed - c.baseline.heapUsed) / c.conversations)} B`;
  const row = (label: string, p: MemoryPoint, note: string): string =>
    `| ${label} | ${mib(p.rss)} | ${mib(p.heapUsed)} | ${signedMib(p.heapUsed - c.baseline.heapUsed)} | ${note} |`;
  const gcNote = result.gc ? 'after a full gc' : 'no gc available: includes garbage';
  return [
    `### One agent: ${format(c.conversations)} conversations, ${format(c.messages)} messages (dedupe on)`,
    '',
    `Delivered on \`messages$\`: ${format(c.delivered)}; after the user's \`dedupeMessages()\`: ${format(c.deliveredAfterDedupe)}; ` +
      `late duplicates injected on top: ${format(c.duplicatesInjected)} (all dropped: ${c.delivered === c.messages && c.deliveredAfterDedupe === c.messages ? 'yes' : 'NO'}). ` +
      `${format(c.messages / c.messageSeconds)} msgs/s over ${c.messageSeconds.toFixed(1)} s.`,
    '',
    '| point | rss | heap used | heap over baseline | note |',
    '| --- | ---: | ---: | ---: | --- |',
    row('baseline (agent connected)', c.baseline, gcNote),
    row(`${format(c.conversations)} conversations open`, c.afterOpen, `${perConv(c.afterOpen)} per conversation`),
    row('peak while messages flow', c.peak, 'sampled every 50 ms, no gc'),
    row(`after ${format(c.messages)} messages`, c.afterMessages, `${perConv(c.afterMessages)} per conversation; ${signedMib(c.afterMessages.heapUsed - c.afterOpen.heapUsed)} vs open`),
    row('after every conversation closed', c.afterClose, `agent still follows ${format(c.agentDialogsAfterClose)} dialogs`),
    row("… and the user's dedupeMessages() unsubscribed", c.afterUnsubscribe, `${perConv(c.afterClose)} → ${perConv(c.afterUnsubscribe)} per conversation`),
    '',
    `### ${format(a.agents)} agents in one process, one emulator`,
    '',
    '| agents | connect p50 | connect p99 | connect max | all connected + subscribed + ONLINE | rss per agent | heap per agent |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${format(a.agents)} | ${a.connectP50.toFixed(1)} ms | ${a.connectP99.toFixed(1)} ms | ${a.connectMax.toFixed(1)} ms | ${(a.totalMs / 1000).toFixed(2)} s | ` +
      `${kib((a.connected.rss - a.baseline.rss) / a.agents)} | ${kib((a.connected.heapUsed - a.baseline.heapUsed) / a.agents)} |`,
    '',
    `Connect = \`connect()\` to open (CSDS + login over HTTP + websocket), ${a.concurrency} in flight at once. ` +
      'Per agent = (after all ONLINE − before any agent) / agents, after a full gc; both ends of every socket live in this process, so the emulator\'s side is included.',
    '',
    `Machine: ${result.machine}, load average ${os.loadavg()[0]?.toFixed(2) ?? '?'} at the end; total ${result.seconds.toFixed(1)} s.`,
  ].join('\n');
}

// ---------------------------------------------------------------- helpers

async function measure(gc: (() => void) | undefined): Promise<MemoryPoint> {
  // Let sockets flush and timers of the last step run, then collect twice (weak refs, finalizers).
  await new Promise<void>((ok) => setTimeout(ok, 50));
  gc?.();
  await nextTurn();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** `gc` from `--expose-gc`, or exposed at runtime; undefined if neither works. */
function exposeGc(): (() => void) | undefined {
  const fromFlag = (globalThis as { gc?: unknown }).gc;
  if (typeof fromFlag === 'function') return () => void fromFlag();
  try {
    setFlagsFromString('--expose-gc');
    const fromContext: unknown = runInNewContext('gc');
    return typeof fromContext === 'function' ? () => void fromContext() : undefined;
  } catch {
    return undefined;
  }
}

function nextTurn(): Promise<void> {
  return new Promise<void>((ok) => setImmediate(ok));
}

/** Waits for `condition`, polling every 5 ms (or every event-loop turn with `eager`), at most `timeout` ms. */
async function until(condition: () => boolean, what: string, timeout = 10_000, eager = false): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`scale: timed out after ${timeout} ms waiting for ${what}`);
    await (eager ? nextTurn() : new Promise<void>((ok) => setTimeout(ok, 5)));
  }
}

function bounded(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`scale: --${name} must be an integer in 1..${max}`);
  return value;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function format(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function signedMib(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${mib(bytes)}`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function parseArgs(argv: readonly string[]): ScaleOptions {
  const options: ScaleOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = Number(argv[i + 1]);
    if (arg === '--conversations') options.conversations = value;
    else if (arg === '--messages') options.messages = value;
    else if (arg === '--agents') options.agents = value;
    else throw new Error(`unknown argument ${arg ?? ''}; usage: tsx spec/perf/scale.ts [--conversations 10000] [--messages 1000000] [--agents 200]`);
    i++;
  }
  return options;
}

if (require.main === module) {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  Promise.resolve()
    .then(() => runScale({ ...parseArgs(process.argv.slice(2)), log }))
    .then(
      (result) => {
        log('');
        log(formatScale(result));
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
}
