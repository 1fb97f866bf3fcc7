import type { Hub } from './hub.js';
import { currentTask, type AgentRecord, type ConversationRecord, type EmulatorState, type RingRecord, type TaskRecord } from './state.js';

/**
 * The outcome of an answer to a ring: its conversation, or why it was refused (the 400 body).
 *
 * @example
 * const result = router.answer(agent, ringId, 'ACCEPTED');
 * if (!result.ok) throw new RequestError(result.message);
 */
export type RingAnswerResult = { ok: true; conv: ConversationRecord } | { ok: false; message: string };

/**
 * Routing: offers conversations that have no assigned agent to eligible agents of their account (ONLINE, or
 * OCCUPIED for a transfer; with a routing subscription on an open socket and the skill, `'-1'`
 * meaning any skill), one ring per
 * agent per task, and expires rings on timers it always clears.
 *
 * @example
 * const router = new Router(state, hub, 72_000);
 * router.route(conv);              // new task, rings every eligible agent
 * router.answer(agent, ringId, 'ACCEPTED');
 * router.dispose();                // clears every expiry timer
 */
export class Router {
  private readonly rings = new Map<string, { conv: ConversationRecord; task: TaskRecord; ring: RingRecord }>();

  constructor(
    private readonly state: EmulatorState,
    private readonly hub: Hub,
    private readonly ringExpiration: number,
    /** How long a settled ring stays answerable (with its final state), in ms. */
    private readonly retention: number,
  ) {}

  /** Settled rings, oldest first, with when they settled: forgotten after the retention. */
  private readonly settled = new Map<string, number>();

  private forgetSettled(): void {
    const before = this.state.clock.now() - this.retention;
    for (const [ringId, at] of this.settled) {
      if (at > before) break;
      this.settled.delete(ringId);
      this.rings.delete(ringId);
    }
  }

  /**
   * Starts a new routing task for the conversation (cancelling the rings of the previous one) and
   * rings every eligible agent. `only` limits it to these legacy ids (transfer to agents);
   * `excluded` are never rung by it; a `transfer` also rings OCCUPIED agents.
   */
  route(conv: ConversationRecord, options: { only?: ReadonlySet<string>; excluded?: ReadonlySet<string>; transfer?: boolean } = {}): void {
    const previous = currentTask(conv);
    if (previous && !previous.completed) this.finish(conv, previous, undefined);
    const task: TaskRecord = {
      routingTaskId: this.state.random.uuid(),
      skillId: conv.skillId,
      completed: false,
      rings: [],
      excluded: options.excluded ?? new Set(),
      transfer: options.transfer ?? false,
      ...(options.only ? { only: options.only } : {}),
    };
    conv.tasks.push(task);
    for (const agent of this.state.agents.values()) this.ringIfEligible(conv, task, agent);
  }

  /** Rings this agent for every waiting conversation it is eligible for (it just came ONLINE or subscribed). */
  ringWaiting(agent: AgentRecord): void {
    for (const conv of this.state.open) {
      const task = currentTask(conv);
      if (task && !task.completed) this.ringIfEligible(conv, task, agent);
    }
  }

  /** An agent's answer to one of its rings. Only a WAITING ring can be answered. */
  answer(agent: AgentRecord, ringId: string, answer: 'ACCEPTED' | 'REJECTED'): RingAnswerResult {
    const entry = this.rings.get(ringId);
    if (!entry || entry.ring.agent !== agent) return { ok: false, message: `Ring ${ringId} not found` };
    const { conv, task, ring } = entry;
    if (ring.state !== 'WAITING' || task.completed || conv.state !== 'OPEN') {
      return { ok: false, message: `Ring ${ringId} is ${ring.state}, not WAITING` };
    }
    if (answer === 'REJECTED') {
      this.settle(ring, 'REJECTED');
      this.hub.notifyRing(conv, task, ring);
    }
    return { ok: true, conv };
  }

  /**
   * The conversation got an assigned agent (ring accepted or ParticipantsChange ADD): its ring
   * becomes ACCEPTED, every other WAITING ring CANCELLED, and the task completes.
   */
  assigned(conv: ConversationRecord, agent: AgentRecord): void {
    const task = currentTask(conv);
    if (task && !task.completed) this.finish(conv, task, agent);
  }

  /** The conversation closed: its WAITING rings are CANCELLED. */
  cancel(conv: ConversationRecord): void {
    const task = currentTask(conv);
    if (task && !task.completed) this.finish(conv, task, undefined);
  }

  /** Clears every expiry timer. */
  dispose(): void {
    for (const { ring } of this.rings.values()) this.clearTimer(ring);
    this.rings.clear();
    this.settled.clear();
  }

  private finish(conv: ConversationRecord, task: TaskRecord, assignee: AgentRecord | undefined): void {
    task.completed = true;
    if (assignee) task.assignedAgentId = assignee.legacyId;
    for (const ring of task.rings) {
      if (ring.state !== 'WAITING') continue;
      this.settle(ring, ring.agent === assignee ? 'ACCEPTED' : 'CANCELLED');
      this.hub.notifyRing(conv, task, ring);
    }
  }

  private ringIfEligible(conv: ConversationRecord, task: TaskRecord, agent: AgentRecord): void {
    if (agent.accountId !== conv.accountId) return;
    const available = agent.availability === 'ONLINE' || (task.transfer && agent.availability === 'OCCUPIED');
    if (conv.state !== 'OPEN' || !available || !this.hub.hasRoutingSubscription(agent)) return;
    // An agent is rung once per task, unless its ring expired: routing offers the conversation again,
    // as LivePerson does, for as long as it waits and the agent is eligible.
    if (task.excluded.has(agent.legacyId) || task.rings.some((r) => r.agent === agent && r.state !== 'EXPIRED')) return;
    if (conv.participants.some((p) => p.id === agent.legacyId)) return;
    if (task.only ? !task.only.has(agent.legacyId) : !agent.skills.some((s) => s === '-1' || s === task.skillId)) return;
    this.forgetSettled();
    const ts = this.state.clock.tick();
    const ring: RingRecord = {
      ringId: `${conv.convId}_${conv.accountId}_${ts}`,
      agent,
      state: 'WAITING',
      ringExpiration: this.ringExpiration,
      ringExpirationTs: ts + this.ringExpiration,
      weight: 1,
    };
    ring.timer = this.state.clock.schedule(() => {
      ring.timer = undefined;
      if (ring.state !== 'WAITING') return;
      this.settle(ring, 'EXPIRED');
      this.hub.notifyRing(conv, task, ring);
      if (!task.completed) for (const other of this.state.agents.values()) this.ringIfEligible(conv, task, other);
    }, this.ringExpiration);
    task.rings.push(ring);
    this.rings.set(ring.ringId, { conv, task, ring });
    this.hub.notifyRing(conv, task, ring);
  }

  private settle(ring: RingRecord, state: RingRecord['state']): void {
    ring.state = state;
    this.clearTimer(ring);
    this.settled.set(ring.ringId, this.state.clock.now());
  }

  private clearTimer(ring: RingRecord): void {
    ring.timer?.unsubscribe();
    ring.timer = undefined;
  }
}
