/**
 * `npm start`: the demo bot (./demoBot.ts) written with lp-agent-rx.
 *
 * Without credentials it starts the in-process emulator, runs the bot through an agent pool with
 * in-memory lease and checkpoint stores (lp-agent-rx/cluster: the one-process setup; a deployment
 * swaps in the Redis stores), runs a few scripted consumers concurrently, prints a live transcript
 * and a summary (with reply latency percentiles), then closes everything and exits 0 (1 on
 * failure, e.g. a reply that never comes).
 *
 * With LP_ACCOUNT, LP_USER and LP_PASS (and optionally LP_CSDS) set, the same bot connects to
 * LivePerson instead and runs until Ctrl-C.
 */
import { filter, firstValueFrom, map, merge, timeout, type Observable, type Subscription } from 'rxjs';
import { createAgent, type Agent, type Outcome } from 'lp-agent-rx';
import { createAgentPool, MemoryCheckpointStore, MemoryLeaseStore } from 'lp-agent-rx/cluster';
import { instrumentLpAgent } from 'lp-agent-rx/otel';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startEmulator, type Consumer, type Emulator } from 'lp-agent-rx/emulator';
import { CLOSE_WORD, demoBot, echoOf, GREETING } from './demoBot';
import { slowModelBot } from './slowModelBot';

const WAIT_MS = 10_000;
const t0 = performance.now();
const tty = process.stdout.isTTY === true;
let progressLine = '';

const elapsed = (): string => `+${((performance.now() - t0) / 1000).toFixed(3)}s`.padStart(8);
const short = (convId: string): string => convId.slice(0, 8);

/** One transcript line: time offset, conversation, who, what. */
function line(convId: string, who: string, what: string): void {
  const text = `${elapsed()} [${short(convId)}] ${who.padEnd(8)} ${what}`;
  if (tty) process.stdout.write(`\r\x1b[K${text}\n${progressLine}`);
  else console.log(text);
}

/** The progress line: redrawn in place on a terminal; otherwise a plain line at each milestone. */
function progress(text: string, milestone: boolean): void {
  progressLine = `progress: ${text}`;
  if (tty) process.stdout.write(`\r\x1b[K${progressLine}`);
  else if (milestone) console.log(progressLine);
}

function endProgress(): void {
  if (tty) process.stdout.write('\r\x1b[K');
}

/** Resolves with the first value of `source$` or rejects with `what` after WAIT_MS. */
function waitFor<T>(source$: Observable<T>, what: string): Promise<T> {
  return firstValueFrom(
    source$.pipe(timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)) })),
  );
}

/**
 * Runs the bot, then connects, subscribes to rings and to this agent's open conversations and goes
 * ONLINE. The bot runs first: streams are hot, and waiting rings arrive the moment the agent is ONLINE.
 */
async function startBot(agent: Agent): Promise<Subscription> {
  const run = agent.run(demoBot(agent));
  await waitFor(agent.connect(), 'the login and the connection');
  const me = agent.identity;
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: me ? [me.legacyId] : [] }));
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
  return run;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

const SCRIPTS: ReadonlyArray<{ name: string; says: string[] }> = [
  { name: 'Ada', says: ['hi, I am Ada', 'can you count?', 'one, two, three'] },
  { name: 'Grace', says: ['hello from Grace', 'is this thing on?', 'testing 1 2 3', 'nice'] },
  { name: 'Linus', says: ['hey, Linus here', 'talk is cheap', 'show me the code'] },
  { name: 'Barbara', says: ['Barbara here', 'what is an abstract data type?', 'thanks', 'see you'] },
  { name: 'Ken', says: ['Ken says hi', 'grep or awk?', 'both, then'] },
];

interface Tally {
  consumerMessages: number;
  botMessages: number;
  receipts: number;
  greeted: Set<string>;
  closed: Set<string>;
  done: number;
  latencies: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One scripted consumer: waits for the greeting, says its lines one reply at a time, then `#close`. */
async function converse(emulator: Emulator, agent: Agent, script: { name: string; says: string[] }, tally: Tally, index: number): Promise<void> {
  const consumer: Consumer = await emulator.consumer({ skillId: 'echo', firstName: script.name });
  const conv = consumer.convId;
  line(conv, script.name, 'opens a conversation');
  const watching = consumer.received$.subscribe((record) => {
    const e = record.event;
    if (e.type === 'ContentEvent') {
      tally.botMessages += 1;
      if (e.message === GREETING) tally.greeted.add(conv);
      line(conv, 'bot', typeof e.message === 'string' ? e.message : `(${e.contentType})`);
    } else if (e.type === 'AcceptStatusEvent') {
      if (e.status === 'READ') tally.receipts += 1;
      line(conv, 'bot', `${e.status.toLowerCase()} #${e.sequenceList.join(',')}`);
    } else if (e.type === 'ChatStateEvent') {
      line(conv, 'bot', e.chatState === 'COMPOSING' ? '(typing...)' : `(${e.chatState.toLowerCase()})`);
    }
  });
  try {
    const contents$ = consumer.received$.pipe(map((r) => (r.event.type === 'ContentEvent' ? r.event.message : undefined)));
    await waitFor(contents$.pipe(filter((m) => m === GREETING)), `the greeting in ${short(conv)}`);
    for (const said of script.says) {
      await sleep(10 + ((index * 7 + said.length) % 40));
      const sent = performance.now();
      const reply = waitFor(contents$.pipe(filter((m) => m === echoOf(said))), `the bot's reply to "${said}" in ${short(conv)}`);
      line(conv, script.name, said);
      tally.consumerMessages += 1;
      await consumer.send(said);
      await reply;
      tally.latencies.push(performance.now() - sent);
      progress(`${tally.done}/${SCRIPTS.length} conversations done, ${tally.consumerMessages + tally.botMessages} messages`, false);
    }
    const closed = waitFor(
      agent.conversations$.pipe(filter((c) => c.convId === conv && (c.type === 'DELETE' || c.conversation.state === 'CLOSE'))),
      `the bot to close ${short(conv)}`,
    );
    line(conv, script.name, CLOSE_WORD);
    tally.consumerMessages += 1;
    await consumer.send(CLOSE_WORD);
    await closed;
    if (emulator.conversation(conv)?.state !== 'CLOSE') throw new Error(`conversation ${short(conv)} is not closed`);
    tally.closed.add(conv);
    tally.done += 1;
    line(conv, 'bot', 'closed the conversation');
    progress(`${tally.done}/${SCRIPTS.length} conversations done, ${tally.consumerMessages + tally.botMessages} messages`, true);
  } finally {
    watching.unsubscribe();
  }
}

/** The slow-model bot's consumers: each writes its lines without waiting, so the bot gets them while it thinks. */
const MODEL_SCRIPTS: ReadonlyArray<{ name: string; says: string[] }> = [
  { name: 'Alan', says: ['what is a monad?', 'and a functor?'] },
  { name: 'Hedy', says: ['how does frequency hopping work?', 'can I talk to an agent?'] },
];

/** One consumer of the slow-model bot: writes its lines, then waits for one answer to each, in order. */
async function converseWithModel(emulator: Emulator, script: { name: string; says: string[] }, tally: { sent: number; answers: number; ordered: boolean }): Promise<void> {
  const consumer: Consumer = await emulator.consumer({ skillId: 'model', firstName: script.name });
  const conv = consumer.convId;
  line(conv, script.name, 'opens a conversation (slow model)');
  const answers: string[] = [];
  const watching = consumer.received$.subscribe((record) => {
    const e = record.event;
    if (e.type === 'ContentEvent' && typeof e.message === 'string') {
      answers.push(e.message);
      line(conv, 'model', e.message);
    } else if (e.type === 'ChatStateEvent' && e.chatState === 'COMPOSING') line(conv, 'model', '(typing...)');
  });
  try {
    for (const said of script.says) {
      line(conv, script.name, said);
      tally.sent += 1;
      await consumer.send(said);
      await sleep(50);
    }
    await waitFor(
      consumer.received$.pipe(filter(() => answers.length >= script.says.length)),
      `the slow-model bot's ${script.says.length} answers in ${short(conv)}`,
    );
    tally.answers += answers.length;
    // Queue order: the answer to each question comes before the next one's.
    const asked = script.says.filter((s) => !/agent/.test(s));
    tally.ordered &&= asked.every((q, i) => answers[i]?.includes(q) === true);
    if (emulator.conversation(conv)?.skillId === 'humans') line(conv, 'model', 'handed the conversation over to the humans skill');
    await consumer.close();
  } finally {
    watching.unsubscribe();
  }
}

/**
 * `npm start -- --console`: the emulator and the demo bot keep running, and the web console's URL
 * is printed: chat with the bot as a consumer in a browser. Ctrl-C stops it.
 */
async function withConsole(): Promise<void> {
  const emulator = await startEmulator({ port: Number(process.env['LP_EMULATOR_PORT'] ?? 0), seed: 1, recordFrames: true });
  const pool = createAgentPool({
    users: [{ id: 'demo-bot', config: emulator.addAgent({ username: 'demo-bot', password: 'demo-secret', skills: ['-1'] }) }],
    leases: new MemoryLeaseStore(),
    checkpoints: new MemoryCheckpointStore(),
    pipeline: (agent) => demoBot(agent),
    scanInterval: 50,
  });
  await waitFor(pool.held$.pipe(filter((h) => h[0]?.agent !== undefined)), 'the demo bot to go ONLINE');
  console.log(`console: http://${emulator.host}/  (the demo bot is online; open a conversation and say "menu"). Ctrl-C stops.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await pool.close();
  await emulator.close();
}

async function emulated(): Promise<void> {
  const telemetry = process.env['LP_OTEL'] === 'console' ? consoleTelemetry() : undefined;
  const emulator = await startEmulator({ port: 0, seed: 1 });
  // One bot user, one process: in-memory stores. The pool takes the lease, brings the agent ONLINE
  // and subscribes it to its routing tasks and conversations, then runs the bot.
  // Two bot users, one process: in-memory stores. The pool takes the leases, brings the agents
  // ONLINE and subscribes them to their routing tasks and conversations, then runs each one's bot:
  // the echo bot (skill `echo`) and the slow-model bot (skill `model`, answers in 0.2-2 s).
  const logger = { warn: (m: string) => console.warn(`warn: ${m}`) };
  const outcomes: Outcome[] = [];
  const pool = createAgentPool({
    users: [
      { id: 'demo-bot', config: { ...emulator.addAgent({ username: 'demo-bot', password: 'demo-secret', skills: ['echo'] }), logger } },
      { id: 'slow-model', config: { ...emulator.addAgent({ username: 'slow-model', password: 'model-secret', skills: ['model'] }), logger } },
    ],
    leases: new MemoryLeaseStore(),
    checkpoints: new MemoryCheckpointStore(),
    pipeline: (agent, { user }) => (user === 'demo-bot' ? demoBot(agent) : slowModelBot(agent, { thinkMs: () => 200 + Math.random() * 1_800, onOutcome: (o) => outcomes.push(o) })),
    scanInterval: 50,
  });
  const poolErrors = pool.events$.subscribe((e) => e.type === 'error' && console.error(`error: ${e.user ?? 'pool'}: ${e.error.message}`));
  let errors: Subscription | undefined;
  try {
    const held = await waitFor(pool.held$.pipe(filter((h) => h.length === 2 && h.every((u) => u.agent !== undefined))), 'the logins, the connections and going ONLINE');
    const agent = pool.agent('demo-bot') as Agent;
    const modelAgent = pool.agent('slow-model') as Agent;
    errors = merge(agent.errors$, modelAgent.errors$).subscribe((e) => console.error(`error: ${e.kind}: ${e.message}`));
    console.log(
      `emulator at ${emulator.host}; demo bot online as ${agent.identity?.legacyId}, slow-model bot as ${modelAgent.identity?.legacyId} ` +
        `(leases ${held.map((h) => `${h.user}#${h.token}`).join(', ')}); ${SCRIPTS.length} + ${MODEL_SCRIPTS.length} consumers`,
    );
    const tally: Tally = { consumerMessages: 0, botMessages: 0, receipts: 0, greeted: new Set(), closed: new Set(), done: 0, latencies: [] };
    const modelTally = { sent: 0, answers: 0, ordered: true };
    await Promise.all([
      ...SCRIPTS.map((script, i) => converse(emulator, agent, script, tally, i)),
      ...MODEL_SCRIPTS.map((script) => converseWithModel(emulator, script, modelTally)),
    ]);
    await sleep(50); // let the last receipts arrive
    endProgress();
    const sorted = [...tally.latencies].sort((a, b) => a - b);
    const ms = (p: number): string => `${percentile(sorted, p).toFixed(1)}ms`;
    console.log(
      `summary: ${SCRIPTS.length} conversations (${tally.greeted.size} greeted, ${tally.closed.size} closed), ` +
        `${tally.consumerMessages} consumer messages, ${tally.botMessages} bot messages, ${tally.receipts} receipts, ` +
        `reply latency p50 ${ms(50)} p90 ${ms(90)} p99 ${ms(99)}`,
    );
    const count = (kind: Outcome['kind']): number => outcomes.filter((o) => o.kind === kind).reduce((n, o) => n + o.messages.length, 0);
    const settled = outcomes.reduce((n, o) => n + o.messages.length, 0);
    console.log(
      `slow model: ${modelTally.sent} consumer messages, ${settled} outcomes (${count('reply')} replies, ${count('fallback')} fallbacks, ` +
        `${count('handover')} handovers, ${count('silent')} silent): ${settled === modelTally.sent ? 'one per message' : 'NOT one per message'}, replies ${modelTally.ordered ? 'in order' : 'OUT OF ORDER'}`,
    );
    if (settled !== modelTally.sent || !modelTally.ordered) throw new Error('the slow-model bot did not give one ordered outcome per message');
    await waitFor(agent.getClock(), 'the clock'); // a round trip, for the RTT and the clock skew
    const { status, uptime, reconnects, rtt, clockSkew, pendingRequests, openConversations, followedDialogs, catchUpBacklog, messagesIn, messagesOut } = agent.stats();
    console.log(
      `stats: ${status} for ${uptime}ms, ${reconnects} reconnects, rtt ${rtt ?? '-'}ms, clock skew ${clockSkew ?? '-'}ms, ${pendingRequests} pending, ` +
        `${openConversations} open conversations, ${followedDialogs} followed dialogs, backlog ${catchUpBacklog}, messages in ${messagesIn} / out ${messagesOut}`,
    );
    if (tally.greeted.size !== SCRIPTS.length || tally.closed.size !== SCRIPTS.length) throw new Error('not every conversation was greeted and closed');
  } finally {
    endProgress();
    errors?.unsubscribe();
    await pool.close();
    poolErrors.unsubscribe();
    await emulator.close();
    await telemetry?.shutdown();
  }
}

/**
 * `LP_OTEL=console npm start`: the agent's metrics and spans printed by OpenTelemetry's console
 * exporters (lp-agent-rx/otel over the SDK), as docs/observability.md shows.
 */
function consoleTelemetry(): { shutdown(): Promise<void> } {
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 3_600_000 })] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
  const instrumentation = instrumentLpAgent({ meterProvider, tracerProvider });
  return {
    shutdown: async () => {
      await meterProvider.shutdown(); // exports the metrics once more on the way out
      await tracerProvider.shutdown();
      instrumentation.stop();
    },
  };
}

/** Against LivePerson: the same bot, a transcript from the agent's side, until SIGINT. */
async function live(accountId: string, username: string, password: string, csdsDomain: string | undefined): Promise<void> {
  const agent = createAgent({ accountId, username, password, csdsDomain, logger: { warn: (m) => console.warn(`warn: ${m}`) } });
  const subs: Subscription[] = [agent.errors$.subscribe((e) => console.error(`error: ${e.kind}: ${e.message}`))];
  try {
    console.log(`connecting to LivePerson account ${accountId} as ${username}${csdsDomain ? ` (CSDS ${csdsDomain})` : ''}...`);
    subs.push(await startBot(agent));
    console.log(`demo bot online as ${agent.identity?.legacyId}; Ctrl-C to stop`);
    subs.push(
      agent.messages$.subscribe((m) => {
        if (m.type === 'ContentEvent' && typeof m.event.message === 'string') line(m.convId, m.isMe ? 'bot' : 'consumer', m.event.message);
      }),
      agent.conversations$.subscribe((c) => {
        if (c.type === 'DELETE' || c.conversation.state === 'CLOSE') line(c.convId, 'bot', 'conversation closed');
      }),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    console.log('\nstopping');
  } finally {
    for (const s of subs) s.unsubscribe();
    agent.dispose();
  }
}

function main(): Promise<void> {
  const { LP_ACCOUNT, LP_USER, LP_PASS, LP_CSDS } = process.env;
  if (LP_ACCOUNT && LP_USER && LP_PASS) return live(LP_ACCOUNT, LP_USER, LP_PASS, LP_CSDS || undefined);
  return process.argv.includes('--console') ? withConsole() : emulated();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    endProgress();
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
