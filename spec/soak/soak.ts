/**
 * Chaos soak: N consumers chat with an echo bot while the emulator drops connections (random close
 * codes), expires tokens, delays, duplicates and reorders frames at seeded random moments. At the
 * end every consumer message must have reached `messages$` exactly once, every bot reply its
 * consumer, and no socket, server or timer may be left behind.
 *
 *   npm run soak -- --seconds 60 --consumers 8 --seed 1
 *
 * Exits 1 when anything was lost, duplicated or leaked. `runSoak` is also used by soak.spec.ts.
 */
import { catchError, EMPTY, filter, firstValueFrom, merge, mergeMap, type Subscription } from 'rxjs';
import { prng } from '../sim/world';
import { createAgent, type Agent, type AgentError, type MessagingEvent } from '../../src/index';
import { acceptWaitingRings, markAsRead, sendText } from '../../src/operators/index';
import { startEmulator, type Consumer, type Emulator } from '../../src/emulator/index';

export interface SoakOptions {
  /** How long the consumers chat under chaos, in seconds. */
  seconds: number;
  /** Number of simulated consumers, each in its own conversation with the bot. */
  consumers: number;
  /** Seeds the emulator (ids and random faults) and the chaos schedule: a failing run replays. */
  seed: number;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
  /** Mean ms between two messages of one consumer. Default 250. */
  sendInterval?: number;
  /** Ms allowed, after the chaos stops, for everything in flight to arrive. Default 30 000. */
  settleTimeout?: number;
}

export interface SoakResult {
  seed: number;
  sent: number;
  delivered: number;
  /** Consumer messages never delivered on `messages$`. */
  lost: number;
  /**
   * Lost messages below a sequence that was delivered in their dialog: the agent moved past them
   * (the catch-up gap of spec/soak/catchUpGap.spec.ts), as opposed to a tail never delivered.
   */
  gaps: number;
  /** Extra deliveries of consumer messages on `messages$`. */
  duplicated: number;
  /** Distinct bot replies the consumers received. */
  replies: number;
  /** Replies the bot owed that no consumer received. */
  missingReplies: number;
  /** Replies received more than once (a PublishEvent retried after its response was lost: at-least-once). */
  repeatedReplies: number;
  reconnects: number;
  /** Chaos actions taken, by kind. */
  chaos: Record<string, number>;
  /** Handles still open afterwards that were not open before, by kind. */
  leaked: Record<string, number>;
  /** Whether everything arrived before `settleTimeout`. */
  settled: boolean;
  /** Error kinds seen on errors$, by kind (informative: drops cause ConnectionClosed etc.). */
  errors: Record<string, number>;
  /** Examples of lost / duplicated messages, for the report. */
  examples: string[];
  ok: boolean;
}

const CLOSE_CODES = [1006, 4401, 4407, 1011, 4000] as const;
const HANDLE_KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'] as const;

function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const textOf = (m: MessagingEvent): string | undefined =>
  m.type === 'ContentEvent' && typeof m.event.message === 'string' ? m.event.message : undefined;

const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Polls `done` until it holds or `ms` pass; true when it held. */
async function until(done: () => boolean, ms: number, step = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(step);
  }
  return true;
}

/** The fault knobs currently on; `faults.clear()` turns all off, so the set is re-applied as a whole. */
interface FaultState {
  reorder: boolean;
  duplicate: boolean;
  delayMs: number;
  randomRate: number;
}

function applyFaults(emulator: Emulator, state: FaultState): void {
  emulator.faults.clear();
  if (state.reorder) emulator.faults.reorderEvents(true);
  if (state.duplicate) emulator.faults.duplicateEvents();
  if (state.delayMs > 0) emulator.faults.delayResponses('*', state.delayMs);
  if (state.randomRate > 0) emulator.faults.random({ rate: state.randomRate, kinds: ['delayResponse', 'duplicateEvent'] });
}

/**
 * Runs one soak and reports what arrived. Never throws for a finding: lost, duplicated or leaked
 * things are counted in the result (`ok: false`).
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { seconds, consumers: consumerCount, seed, log = () => undefined, sendInterval = 250, settleTimeout = 30_000 } = options;
  const before = activeResources();
  const random = prng(seed);
  const chaos: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const subs: Subscription[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  // What was sent, delivered and answered, keyed `${dialogId}|${text}` (each text is unique).
  const sent = new Set<string>();
  const delivered = new Map<string, number>();
  const owedReplies = new Set<string>();
  const replies = new Map<string, number>();
  let reconnects = 0;
  const t0 = Date.now();
  const now = (): number => Date.now() - t0;
  /** Timeline of chaos actions and connection states, to explain a lost message. */
  const timeline: Array<[number, string]> = [];
  const sentAt = new Map<string, { at: number; sequence: number }>();
  const deliveredAt = new Map<string, Array<[number, number]>>();
  let previous: string | undefined;

  const emulator = await startEmulator({ port: 0, seed });
  let agent: Agent | undefined;
  let settled: boolean;
  try {
    const creds = emulator.addAgent({ username: 'soakbot', password: 'pw', skills: ['-1'] });
    const bot = createAgent({
      ...creds,
      keepAlive: 2_000,
      requestTimeout: 3_000,
      reconnect: { initialInterval: 50, ratio: 1.5, maxInterval: 1_000, maxRetries: 1_000, jitter: 0.2 },
      // Chaos drops the socket every second or so: a reply may need many tries to land once.
      idempotentPublish: { attempts: 100 },
    });
    agent = bot;
    subs.push(bot.errors$.subscribe((e: AgentError) => bump(errors, e.kind)));
    subs.push(
      bot.connection$.subscribe((s) => {
        // One reconnect per outage, however many attempts it takes.
        if (s.status === 'reconnecting' && previous !== 'reconnecting') reconnects++;
        previous = s.status;
        timeline.push([now(), `agent ${s.status}${s.code !== undefined ? ` ${s.code}` : ''}`]);
      }),
    );
    subs.push(
      bot.messages$.pipe(filter((m) => !m.isMe && m.role === 'CONSUMER')).subscribe((m) => {
        const text = textOf(m);
        if (text !== undefined) delivered.set(`${m.dialogId}|${text}`, (delivered.get(`${m.dialogId}|${text}`) ?? 0) + 1);
        const seen = deliveredAt.get(m.dialogId) ?? [];
        seen.push([now(), m.sequence]);
        deliveredAt.set(m.dialogId, seen);
      }),
    );

    await firstValueFrom(bot.connect());
    const legacyId = bot.identity?.legacyId ?? '';
    await firstValueFrom(bot.subscribeRoutingTasks());
    await firstValueFrom(bot.subscribeExConversations({ convState: ['OPEN'], agentIds: [legacyId] }));
    await firstValueFrom(bot.setAgentState({ availability: 'ONLINE' }));

    // The bot: accepts rings, marks messages read, echoes every consumer text. No retries here and
    // no history queries: the agent follows the conversations it joins, and publishes each reply
    // once across drops (its idempotency key is looked up in history when an outcome is unknown).
    subs.push(bot.run(merge(bot.rings$.pipe(acceptWaitingRings()), bot.messages$.pipe(markAsRead()))));
    subs.push(
      bot.messages$
        .pipe(
          filter((m) => !m.isMe && m.role === 'CONSUMER' && !m.history),
          mergeMap((m) => {
            const text = textOf(m);
            if (text === undefined) return EMPTY;
            return bot.execute(sendText(m.dialogId, `echo: ${text}`, { idempotencyKey: `echo:${m.dialogId}:${m.sequence}` })).pipe(
              catchError(() => {
                bump(errors, 'ReplyGaveUp');
                return EMPTY;
              }),
            );
          }),
        )
        .subscribe(),
    );

    // Consumers, each assigned to the bot before the chaos starts.
    const consumers: Consumer[] = [];
    for (let i = 0; i < consumerCount; i++) {
      const consumer = await emulator.consumer({ skillId: '-1', firstName: `c${i}` });
      consumers.push(consumer);
      // Written before the ring is accepted: only the agent's following brings it to messages$.
      const first = `c${i}-first`;
      const firstSequence = await consumer.send(first);
      const firstKey = `${consumer.convId}|${first}`;
      sentAt.set(firstKey, { at: now(), sequence: firstSequence });
      sent.add(firstKey);
      owedReplies.add(firstKey);
      subs.push(
        consumer.received$.subscribe((record) => {
          const event = record.event as { type?: unknown; message?: unknown };
          if (event.type !== 'ContentEvent' || typeof event.message !== 'string' || !event.message.startsWith('echo: ')) return;
          const key = `${record.dialogId}|${event.message.slice('echo: '.length)}`;
          replies.set(key, (replies.get(key) ?? 0) + 1);
        }),
      );
      const assigned = await until(() => (emulator.conversation(consumer.convId)?.details.participants.ASSIGNED_AGENT ?? []).length > 0, 5_000);
      if (!assigned) throw new Error(`consumer ${i} was never assigned`);
    }
    log(`soak: seed=${seed} consumers=${consumerCount} seconds=${seconds}`);

    // Steady chat: every consumer sends unique texts at a jittered steady rate.
    let chatting = true;
    let inFlight = 0;
    consumers.forEach((consumer, i) => {
      let n = 0;
      const tick = (): void => {
        if (!chatting) return;
        const text = `c${i}-m${++n}`;
        const key = `${consumer.convId}|${text}`;
        inFlight++;
        const at = now();
        consumer.send(text).then(
          (sequence) => {
            sentAt.set(key, { at, sequence });
            inFlight--;
            sent.add(key);
            owedReplies.add(key);
          },
          () => {
            inFlight--;
            bump(errors, 'ConsumerSendRefused');
          },
        );
        later(sendInterval * (0.5 + random()), tick);
      };
      later(random() * sendInterval, tick);
    });

    // Chaos at seeded random moments.
    const faults: FaultState = { reorder: false, duplicate: false, delayMs: 0, randomRate: 0 };
    let chaotic = true;
    const strike = (): void => {
      if (!chaotic) return;
      const roll = random();
      if (roll < 0.4) {
        const code = CLOSE_CODES[Math.floor(random() * CLOSE_CODES.length)] ?? 1006;
        bump(chaos, `drop${code}`);
        emulator.dropConnections(code);
      } else if (roll < 0.5) {
        bump(chaos, 'expireTokens');
        emulator.expireTokens();
      } else if (roll < 0.62) {
        faults.reorder = !faults.reorder;
        bump(chaos, 'reorder');
      } else if (roll < 0.74) {
        faults.duplicate = !faults.duplicate;
        bump(chaos, 'duplicate');
      } else if (roll < 0.87) {
        faults.delayMs = faults.delayMs > 0 ? 0 : 20 + Math.floor(random() * 300);
        bump(chaos, 'delay');
      } else {
        faults.randomRate = faults.randomRate > 0 ? 0 : 0.05 + random() * 0.2;
        bump(chaos, 'random');
      }
      applyFaults(emulator, faults);
      timeline.push([now(), `chaos ${JSON.stringify(faults)} after roll ${roll.toFixed(2)}`]);
      later(100 + random() * 800, strike);
    };
    later(200 + random() * 500, strike);

    const end = Date.now() + seconds * 1_000;
    while (Date.now() < end) {
      await sleep(Math.min(5_000, end - Date.now()));
      if (Date.now() < end) log(`soak: ${Math.round((end - Date.now()) / 1000)} s left, sent=${sent.size} delivered=${delivered.size} reconnects=${reconnects}`);
    }

    // Stop the chaos and the chat, then wait for everything in flight (bounded).
    chaotic = false;
    chatting = false;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    emulator.faults.clear();
    settled = await until(
      () =>
        inFlight === 0 &&
        [...sent].every((k) => delivered.has(k)) &&
        [...owedReplies].every((k) => replies.has(k)),
      settleTimeout,
      100,
    );
    // Late duplicates still in flight arrive before a round trip made now.
    await until(() => false, 300);
    await firstValueFrom(bot.getClock()).catch(() => undefined);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const s of subs.splice(0)) s.unsubscribe();
    agent?.dispose();
    await emulator.close();
  }

  // Closing handshakes finish over the next turns of the loop.
  const leakedNow = (): Record<string, number> => {
    const now = activeResources();
    const leaked: Record<string, number> = {};
    for (const kind of HANDLE_KINDS) {
      const extra = (now[kind] ?? 0) - (before[kind] ?? 0);
      if (extra > 0) leaked[kind] = extra;
    }
    return leaked;
  };
  await until(() => Object.keys(leakedNow()).length === 0, 2_000, 20);
  const leaked = leakedNow();

  const examples: string[] = [];
  let lost = 0;
  let gaps = 0;
  let duplicated = 0;
  let deliveredCount = 0;
  for (const key of sent) {
    const n = delivered.get(key) ?? 0;
    if (n === 0) {
      lost++;
      const info = sentAt.get(key);
      const highest = Math.max(0, ...(deliveredAt.get(key.split('|')[0] ?? '') ?? []).map(([, q]) => q));
      if (info && highest > info.sequence) gaps++;
      if (examples.length < 10) {
        const info = sentAt.get(key);
        const dialogId = key.split('|')[0] ?? '';
        const around = (deliveredAt.get(dialogId) ?? []).filter(([, q]) => info && Math.abs(q - info.sequence) <= 3);
        const events = timeline.filter(([t]) => info && Math.abs(t - info.at) <= 1_500);
        examples.push(
          `lost ${key} sequence=${info?.sequence} sentAt=${info?.at}ms delivered nearby=${JSON.stringify(around)} timeline=${JSON.stringify(events)}`,
        );
      }
    }
    if (n > 1) {
      duplicated += n - 1;
      if (examples.length < 10) examples.push(`duplicated x${n} ${key}`);
    }
    if (n > 0) deliveredCount++;
  }
  for (const [key, n] of delivered) {
    if (!sent.has(key)) {
      duplicated += n;
      if (examples.length < 10) examples.push(`unexpected ${key}`);
    }
  }
  let missingReplies = 0;
  let repeatedReplies = 0;
  for (const key of owedReplies) if (!replies.has(key)) missingReplies++;
  for (const n of replies.values()) if (n > 1) repeatedReplies += n - 1;

  const ok = lost === 0 && duplicated === 0 && missingReplies === 0 && repeatedReplies === 0 && Object.keys(leaked).length === 0 && settled;
  return {
    seed,
    sent: sent.size,
    delivered: deliveredCount,
    lost,
    gaps,
    duplicated,
    replies: replies.size,
    missingReplies,
    repeatedReplies,
    reconnects,
    chaos,
    leaked,
    settled,
    errors,
    examples,
    ok,
  };
}

/** The one-line summary `npm run soak` prints. */
export function summary(r: SoakResult): string {
  const leaked = Object.entries(r.leaked)
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  return (
    `sent=${r.sent} delivered=${r.delivered} lost=${r.lost} (gaps=${r.gaps}) duplicated=${r.duplicated} replies=${r.replies} ` +
    `missingReplies=${r.missingReplies} repeatedReplies=${r.repeatedReplies} reconnects=${r.reconnects} ` +
    `leaked=${leaked || 0} settled=${r.settled} seed=${r.seed}`
  );
}

function parseArgs(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { seconds: 60, consumers: 8, seed: Date.now() % 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = Number(argv[i + 1]);
    const key = arg === '--seconds' ? 'seconds' : arg === '--consumers' ? 'consumers' : arg === '--seed' ? 'seed' : undefined;
    if (!key || !Number.isFinite(value) || value < 0) {
      process.stderr.write(`usage: npm run soak -- [--seconds N] [--consumers N] [--seed N]\n(bad argument ${arg ?? ''})\n`);
      process.exit(2);
    }
    options[key] = value;
    i++;
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const result = await runSoak({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`chaos: ${JSON.stringify(result.chaos)}\nerrors$: ${JSON.stringify(result.errors)}\n`);
  for (const example of result.examples) process.stdout.write(`  ${example}\n`);
  process.stdout.write(`${summary(result)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

if (process.env['JEST_WORKER_ID'] === undefined && /soak\.ts$/.test(process.argv[1] ?? '')) {
  main().catch((e: unknown) => {
    process.stderr.write(`soak failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
