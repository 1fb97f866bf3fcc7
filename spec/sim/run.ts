/**
 * Runs one world: a real `createAgent` with the demo bot, on the emulator's engine through the
 * in-memory transport, in virtual time. After the faults stop and the world settles, the
 * invariants are checked. Same world, same run, byte for byte.
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { createAgent, SESSION_TAKEN_OVER_CODE, type Agent, type ConnectionState, type MessagingEvent, type Mutation } from '../../src/index';
import { causeOfReplyKey } from '../../src/domain/replyKeys';
import { idempotencyKeyOf } from '../../src/agent/publish';
import { createMemoryEmulator, createVirtualTime, type Consumer } from '../../src/emulator/index';
import { demoBot } from '../../docs/examples/demoBot';
import { isFault, prng, type Action, type World } from './world';

/** How long the world is left alone after its last step: every backoff ends well within it. */
export const SETTLE_MS = 10 * 60_000;
/** A message written after the last fault (or the reconnect after it) reaches messages$ within this, in virtual ms. */
export const LATENCY_BOUND_MS = 5_000;

/** What one run found. */
export interface RunResult {
  readonly seed: number;
  readonly violations: string[];
  /** Delivery latencies (virtual ms) of messages written after the last fault. */
  readonly latencies: number[];
  /** Which connection phase each fault met: `fault@phase`. */
  readonly coverage: string[];
  readonly trace: string[];
}

/** Options of a run: mutation canaries to turn on (deliberate defects in the agent), a trace to keep. */
export interface RunOptions {
  readonly mutations?: readonly Mutation[];
  readonly trace?: boolean;
}

interface Written {
  readonly conv: number;
  readonly dialogId: string;
  readonly sequence: number;
  readonly at: number;
  readonly question: boolean;
}

/**
 * Runs a world and checks its invariants.
 *
 * @example
 * const result = await runWorld(drawWorld(7));
 * result.violations; // []
 */
export async function runWorld(world: World, options: RunOptions = {}): Promise<RunResult> {
  const time = createVirtualTime();
  const { scheduler } = time;
  const emulator = createMemoryEmulator({ seed: world.seed, scheduler });
  const trace: string[] = [];
  const log = (line: string): void => {
    if (options.trace) trace.push(`${String(time.now()).padStart(8)} ${line}`);
  };
  const violations: string[] = [];
  const coverage: string[] = [];
  const creds = emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
  const agent: Agent = createAgent({
    ...creds,
    scheduler,
    random: prng(world.seed ^ 0x9e3779b9),
    follow: { history: world.history },
    onSessionTakenOver: 'reconnect',
    ...(options.mutations ? { mutations: options.mutations } : {}),
  });
  const delivered = new Map<string, number>();
  const reported = new WeakSet<object>();
  const lastLive = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  /** When each dialog's first message reached messages$: before that, its messages wait for a join. */
  const joinedAt = new Map<string, number>();
  let state: ConnectionState = { status: 'closed' };
  let openedAt = 0;
  let droppedAt = 0;
  /** When the agent last became the assignee of each conversation: it cannot deliver what it is not in. */
  const assignedAt = new Map<string, number>();
  const assigned = new Set<string>();
  const subs: Subscription[] = [
    agent.connection$.subscribe((s) => {
      if (s.status === 'open' && state.status !== 'open') openedAt = time.now();
      if (s.status !== 'open' && state.status === 'open') droppedAt = time.now();
      state = s;
      log(`connection ${s.status}${s.code !== undefined ? ` ${s.code}` : ''}`);
    }),
    agent.messages$.subscribe((m: MessagingEvent) => {
      const key = `${m.dialogId}#${m.sequence}`;
      delivered.set(key, (delivered.get(key) ?? 0) + 1);
      if (!deliveredAt.has(key)) deliveredAt.set(key, time.now());
      if (!joinedAt.has(m.dialogId)) joinedAt.set(m.dialogId, time.now());
      if (delivered.get(key) === 2) violations.push(`delivered twice: ${key}`);
      if (!m.history && m.sequence > 0) {
        if ((lastLive.get(m.dialogId) ?? 0) > m.sequence) violations.push(`out of order in ${m.dialogId}: ${m.sequence} after ${lastLive.get(m.dialogId) ?? 0}`);
        lastLive.set(m.dialogId, Math.max(lastLive.get(m.dialogId) ?? 0, m.sequence));
      }
      log(`messages$ ${key}${m.history ? ' (history)' : ''}`);
    }),
    agent.run(demoBot(agent)),
    // The errors$ contract: each error reported once.
    agent.errors$.subscribe((e) => {
      log(`errors$ ${e.kind}: ${e.message}`);
      if (reported.has(e)) violations.push(`errors$ reported twice: ${e.kind}: ${e.message}`);
      reported.add(e);
    }),
    agent.conversations$.subscribe((c) => {
      log(`conversations$ ${c.convId} ${c.type} ${c.conversation.state} ${c.myRole ?? '-'}`);
      // When it last became the assignee (kept after the conversation ends, for the latency check).
      if (c.myRole !== 'ASSIGNED_AGENT' || c.conversation.state !== 'OPEN') assigned.delete(c.convId);
      else if (!assigned.has(c.convId)) {
        assigned.add(c.convId);
        assignedAt.set(c.convId, time.now());
      }
    }),
  ];
  if (options.trace) {
    subs.push(
      emulator.wire$.subscribe((e) => {
        if (e.type === 'in' || e.type === 'out') log(`#${e.connection} ${e.type === 'in' ? '->' : '<-'} ${e.text.length > 600 ? `${e.text.slice(0, 600)}…` : e.text}`);
        else if (e.type === 'close' || e.type === 'open' || e.type === 'refused') log(`#${e.connection} ${e.type}${'code' in e ? ` ${e.code} by ${e.by}` : ''}`);
        else if (e.type === 'http') log(`http ${e.method} ${e.path} ${e.status}`);
      }),
    );
  }
  let connectSettled = false;
  // The bot's own start, as a careful bot writes it: each step tried again until it takes.
  const persist = async (step: () => Promise<unknown>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await step();
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
      }
    }
  };
  const started = (async () => {
    await persist(() => firstValueFrom(agent.connect()));
    const me = agent.identity;
    await persist(() => firstValueFrom(agent.subscribeRoutingTasks()));
    await persist(() => firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: me ? [me.legacyId] : [] })));
    await persist(() => firstValueFrom(agent.setAgentState({ availability: 'ONLINE' })));
  })().then(
    () => (connectSettled = true),
    (e: unknown) => {
      connectSettled = true;
      violations.push(`start failed: ${String(e)}`);
    },
  );

  // A one-shot fault hits the next request of its type, maybe long after it was armed; its effect
  // lasts until the request would have timed out (10 s) and been tried again.
  let lastFaultAt = 0;
  const armed: string[] = [];
  // Replies the server refused for good (a publish answered >= 400): their question's outcome is that
  // failure, reported on errors$ (the demo bot does not retry; `respond` would give a fallback).
  const publishes = new Map<string, string>();
  const refusedReplies = new Set<string>();
  subs.push(
    emulator.wire$.subscribe((e) => {
      if (e.type === 'in' && e.text.includes('"PublishEvent"') && e.text.includes('ExternalId')) {
        const frame = JSON.parse(e.text) as { id: string; metadata?: Array<{ type: string; id?: string }> };
        const key = frame.metadata?.find((m) => m.type === 'ExternalId')?.id;
        if (key) publishes.set(`${e.connection}:${frame.id}`, key);
      }
      if (e.type === 'out' && e.text.startsWith('{"kind":"resp"') && publishes.size > 0) {
        const resp = JSON.parse(e.text) as { reqId: string; code: number };
        const key = publishes.get(`${e.connection}:${resp.reqId}`);
        if (key !== undefined && resp.code >= 400) refusedReplies.add(key);
      }
      if (armed.length === 0 || e.type !== 'in') return;
      const type = /"type":"([^"]+)"/.exec(e.text)?.[1];
      const i = type === undefined ? -1 : armed.indexOf(type);
      if (i < 0) return;
      armed.splice(i, 1);
      lastFaultAt = Math.max(lastFaultAt, time.now() + 10_000 + 5_000);
    }),
  );
  const consumers = new Map<number, Consumer>();
  const closedConvs = new Set<number>();
  const written: Written[] = [];
  const timed: Array<{ until: number; apply: () => void }> = [];
  const reapply = (): void => {
    emulator.faults.clear();
    for (const t of timed) if (t.until > time.now()) t.apply();
  };
  const act = async (action: Action): Promise<void> => {
    if (isFault(action)) {
      // The phase a fault meets: the connection's, and what the agent was doing on it.
      const { catchUpBacklog, pendingRequests } = agent.stats();
      coverage.push(`${action.kind}@${state.status}${catchUpBacklog > 0 ? '+catching-up' : ''}${pendingRequests > 0 ? '+requests-in-flight' : ''}`);
    }
    log(`step ${JSON.stringify(action)}`);
    switch (action.kind) {
      case 'open':
        consumers.set(action.conv, await emulator.consumer({ skillId: '-1' }));
        return;
      case 'say': {
        const consumer = consumers.get(action.conv);
        if (!consumer || closedConvs.has(action.conv)) return;
        const sequence = await consumer.send(action.text);
        written.push({ conv: action.conv, dialogId: consumer.convId, sequence, at: time.now(), question: true });
        return;
      }
      case 'file': {
        const consumer = consumers.get(action.conv);
        if (!consumer || closedConvs.has(action.conv)) return;
        const sequence = await consumer.publish({ type: 'ContentEvent', contentType: 'hosted/file', message: { relativePath: `/files/${action.conv}.png`, fileType: 'PNG' } });
        written.push({ conv: action.conv, dialogId: consumer.convId, sequence, at: time.now(), question: false });
        return;
      }
      case 'close': {
        const consumer = consumers.get(action.conv);
        if (!consumer || closedConvs.has(action.conv)) return;
        closedConvs.add(action.conv);
        await consumer.close();
        return;
      }
      case 'drop':
        return emulator.dropConnections(action.code);
      case 'secondSession':
        return emulator.dropConnections(SESSION_TAKEN_OVER_CODE);
      case 'expireTokens':
        return emulator.expireTokens();
      case 'failNext': {
        armed.push(action.type);
        const f = action.fault;
        emulator.faults.failNext(
          action.type,
          f === '500' ? { kind: 'status', code: 500 } : f === '429' ? { kind: 'status', code: 429 } : f === 'late' ? { kind: 'late', ms: 3_000 } : { kind: f },
        );
        return;
      }
      case 'halfDead':
      case 'refreshUnauthorized':
      case 'duplicates':
      case 'reorder': {
        const apply =
          action.kind === 'halfDead'
            ? () => emulator.faults.stopAnswering()
            : action.kind === 'refreshUnauthorized'
              ? () => emulator.faults.refreshUnauthorized(true)
              : action.kind === 'duplicates'
                ? () => emulator.faults.duplicateEvents()
                : () => emulator.faults.reorderEvents(true);
        timed.push({ until: time.now() + action.ms, apply });
        apply();
        scheduler.schedule(reapply, action.ms);
        return;
      }
    }
  };

  for (const step of world.steps) {
    await time.advance(Math.max(0, step.at - time.now()));
    await act(step.action);
    if (isFault(step.action)) lastFaultAt = Math.max(lastFaultAt, time.now() + ('ms' in step.action ? step.action.ms : 0));
  }
  await time.advance(SETTLE_MS);
  await started;
  // A keep-alive may be on the wire at this very moment: give in-flight requests a few round trips.
  for (let i = 0; i < 10 && agent.stats().pendingRequests > 0; i++) await time.advance(10);

  // Liveness, after the world settled.
  const stats = agent.stats();
  if (state.status !== 'open') violations.push(`connection$ is ${state.status}, not open`);
  if (!connectSettled) violations.push('connect() never settled');
  if (stats.catchUpBacklog !== 0) violations.push(`catch-up backlog ${stats.catchUpBacklog} after settling`);
  if (stats.pendingRequests !== 0) violations.push(`${stats.pendingRequests} requests still pending after settling`);
  const latencies: number[] = [];
  // A join keeps the newest `history` records: the prefix before the first one delivered is cut by design.
  const firstDelivered = new Map<string, number>();
  for (const key of delivered.keys()) {
    const [dialogId = '', sequence = '0'] = key.split('#');
    firstDelivered.set(dialogId, Math.min(firstDelivered.get(dialogId) ?? Infinity, Number(sequence)));
  }
  // Cut by the cap: written before the join's history came, with at least `history` written after it before then.
  const cut = (w: Written): boolean => {
    const joined = joinedAt.get(w.dialogId) ?? Infinity;
    if (!(w.at <= joined) || !(w.sequence < (firstDelivered.get(w.dialogId) ?? Infinity))) return false;
    // (one of them may have come live, at the very moment of the join)
    return written.filter((o) => o.dialogId === w.dialogId && o.sequence > w.sequence && o.at <= joined + 5).length >= world.history - 1;
  };
  for (const w of written) {
    const key = `${w.dialogId}#${w.sequence}`;
    if (!delivered.has(key)) {
      // Closed or not: what was written while the agent was the assignee must reach it.
      if (assignedAt.has(w.dialogId) && !cut(w)) violations.push(`never delivered: ${key}`);
      continue;
    }
    // The bound is for messages written after the last fault's reconnect into a conversation the
    // agent had joined: what waits for a join is history the join brings, paced with the others.
    const had = Math.max(openedAt, assignedAt.get(w.dialogId) ?? Infinity, joinedAt.get(w.dialogId) ?? Infinity);
    if (w.at > lastFaultAt && state.status === 'open' && w.at >= had) {
      const latency = (deliveredAt.get(key) ?? Infinity) - w.at;
      latencies.push(latency);
      // 5 s, plus the pacer's time (10 queries/s by default) for every other dialog that changed since
      // the last drop and may be fetched ahead of this one: when a crowd changes at once, the rate rules.
      const changed = new Set(written.filter((o) => o.at >= droppedAt && o.at <= w.at && o.dialogId !== w.dialogId).map((o) => o.dialogId)).size;
      const bound = LATENCY_BOUND_MS + changed * 100;
      if (latency > bound) violations.push(`delivered ${latency} ms after it was written (after the last fault; bound ${bound} ms): ${key}`);
    }
  }
  // Every question in an open conversation answered exactly once; no consumer sees a reply twice.
  for (const [conv, consumer] of consumers) {
    const answers = new Map<number, number>();
    const snapshot = emulator.conversation(consumer.convId);
    for (const record of snapshot?.events ?? []) {
      const cause = causeOfReplyKey(idempotencyKeyOf(record));
      if (cause && (record.event.type === 'ContentEvent' || record.event.type === 'RichContentEvent')) answers.set(cause.sequence, (answers.get(cause.sequence) ?? 0) + 1);
    }
    for (const [sequence, n] of answers) if (n > 1) violations.push(`question ${consumer.convId}#${sequence} answered ${n} times`);
    if (closedConvs.has(conv)) continue;
    const refused = new Set([...refusedReplies].map((k) => causeOfReplyKey(k)).filter((c) => c?.dialogId === consumer.convId).map((c) => c?.sequence));
    for (const w of written) if (w.conv === conv && w.question && !cut(w) && !answers.has(w.sequence) && !refused.has(w.sequence)) violations.push(`question ${consumer.convId}#${w.sequence} never answered`);
  }
  for (const s of subs) s.unsubscribe();
  agent.dispose();
  await emulator.close();
  return { seed: world.seed, violations, latencies, coverage, trace };
}
