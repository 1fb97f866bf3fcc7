import { defer, exhaustMap, firstValueFrom, from, interval, race, ReplaySubject, retry, Subject, Subscription, takeUntil, timer, type Observable } from 'rxjs';
import { createAgent, type Agent, type AgentConfig } from '../agent/index.js';
import type { Command } from '../domain/commands.js';
import { toAgentError, type AgentError } from '../domain/errors.js';
import { causeOfReplyKey, type ReplyCause } from '../domain/replyKeys.js';
import { idempotencyKeyOf } from '../agent/publish.js';
import type { CheckpointStore, Lease, LeaseStore } from './stores.js';
import { Watermarks } from './watermarks.js';

/**
 * A bot user a pool can hold.
 *
 * @example
 * const user: PoolUser = { id: 'bot-1', config: async () => ({ accountId, username: 'bot-1', password: await vault.read('bot-1') }) };
 */
export interface PoolUser {
  /** A stable name: the key of its lease and checkpoint. */
  readonly id: string;
  /** Its credentials and agent options, or a function that produces them when its lease is taken. */
  readonly config: AgentConfig | (() => AgentConfig | Promise<AgentConfig>);
}

/**
 * What a pipeline is given besides its agent.
 *
 * @example
 * const pipeline: PoolPipeline = (agent, { settle }) => agent.messages$.pipe(filter(isSpam), tap(settle), ignoreElements());
 */
export interface BotContext {
  /** The bot user's `id`. */
  readonly user: string;
  /** The lease it runs under (its `token` fences everything this run writes). */
  readonly lease: Lease;
  /**
   * Marks a message dealt with although no reply answers it, so the checkpoint moves past it (a
   * reply sent with `replyTo` settles its message by itself).
   */
  settle(message: ReplyCause): void;
}

/**
 * A bot's pipeline in a pool: the commands to run for one bot user's agent. Reply with
 * `sendText(m.dialogId, text, { replyTo: m })` so each message is answered exactly once across
 * failovers.
 *
 * @example
 * const pipeline: PoolPipeline = (agent) => merge(
 *   of(setAgentState('ONLINE'), subscribeRoutingTasks(), subscribeConversations()),
 *   agent.rings$.pipe(acceptWaitingRings()),
 *   agent.messages$.pipe(contentEvents(), map((m) => sendText(m.dialogId, 'hi', { replyTo: m }))),
 * );
 */
export type PoolPipeline = (agent: Agent, context: BotContext) => Observable<Command>;

/** Why a pool stopped holding a bot user. */
export type ReleaseReason = 'rebalance' | 'close' | 'takenOver' | 'failed';
/** Why a pool lost a bot user's lease without giving it up. */
export type LossReason = 'renewRefused' | 'renewOverdue' | 'fenced';

/**
 * What a pool reports on `events$`.
 *
 * @example
 * pool.events$.subscribe((e) => e.type === 'lost' && alert(`${e.user}: ${e.reason}`));
 */
export type PoolEvent =
  | { readonly type: 'acquired'; readonly user: string; readonly token: number; readonly resumedDialogs: number }
  | { readonly type: 'released'; readonly user: string; readonly token: number; readonly reason: ReleaseReason }
  | { readonly type: 'lost'; readonly user: string; readonly token: number; readonly reason: LossReason }
  | { readonly type: 'error'; readonly user?: string; readonly error: AgentError };

/** Longest wait for a disposed agent's socket to finish closing before the lease is let go. */
const CLOSE_WAIT = 5_000;
/** How long restored watermarks of dialogs not seen open are kept. */
const RESTORE_GRACE = 60_000;
/** Longest wait, on a graceful stop, for the commands already sent to finish. */
const DRAIN_WAIT = 5_000;

/** What a holding needs from its pool. */
export interface HoldingDeps {
  readonly leases: LeaseStore;
  readonly checkpoints: CheckpointStore;
  readonly pipeline: PoolPipeline;
  readonly agentOptions: Partial<AgentConfig>;
  readonly ttl: number;
  readonly safetyMargin: number;
  readonly checkpointInterval: number;
  /** Bring the agent ONLINE and subscribe it to its routing tasks and its own open conversations. */
  readonly online: boolean;
  /** Reports on the pool's `events$`. */
  event(event: PoolEvent): void;
  /** The holding is over (its lease released or lost); the pool forgets it. */
  ended(holding: Holding, reason: ReleaseReason | LossReason): void;
}

/**
 * One bot user held under one lease: its agent, its pipeline, its checkpoints and the deadline by
 * which it stops unless the lease is renewed. Everything it started ends with it.
 *
 * @example
 * const holding = new Holding(user, lease, deps);
 * await holding.start(sentAt);   // checkpoint restored, agent connecting, pipeline running
 * holding.renewed(Date.now());   // pushes the deadline back
 * await holding.stop('close');   // pipeline stopped, agent disposed, checkpoint saved, lease released
 */
export class Holding {
  agent: Agent | undefined;
  readonly since = Date.now();
  private readonly scope = new Subscription();
  private deadline = new Subscription();
  private marks = new Watermarks();
  private ending: Promise<void> | undefined;
  private readonly draining = new Subject<void>();
  private readonly drained = new ReplaySubject<void>(1);

  constructor(
    readonly user: PoolUser,
    readonly lease: Lease,
    private readonly deps: HoldingDeps,
  ) {}

  /** Whether it is stopping or stopped. */
  get over(): boolean {
    return this.ending !== undefined;
  }

  /** Restores the checkpoint, creates the agent, runs the pipeline and connects. */
  async start(acquiredAt: number): Promise<void> {
    this.renewed(acquiredAt);
    try {
      const checkpoint = await this.deps.checkpoints.load(this.user.id);
      const config = typeof this.user.config === 'function' ? await this.user.config() : this.user.config;
      if (this.over) return;
      const dialogs = checkpoint?.dialogs ?? {};
      this.marks = new Watermarks(dialogs);
      const follow = config.follow ?? this.deps.agentOptions.follow;
      const agent = createAgent({
        ...config,
        ...this.deps.agentOptions,
        // A new owner answers what its predecessors' reply keys do not cover, from the checkpoint on.
        follow: follow === false ? false : { ...follow, answeredBy: 'replyKey' },
        resumeFrom: dialogs,
        onSessionTakenOver: 'stop',
      } as AgentConfig);
      this.agent = agent;
      this.scope.add(() => agent.dispose());
      this.watch(agent);
      this.deps.event({ type: 'acquired', user: this.user.id, token: this.lease.token, resumedDialogs: Object.keys(dialogs).length });
      await firstValueFrom(agent.connect());
      // Remembered by the agent and replayed after every reconnect; the conversation subscription is
      // what finds the dialogs to resume.
      if (this.deps.online && !this.over) {
        const legacyId = agent.identity?.legacyId ?? '';
        await Promise.all([
          firstValueFrom(agent.setAgentState({ availability: 'ONLINE' })),
          firstValueFrom(agent.subscribeRoutingTasks()),
          firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [legacyId] })),
        ]);
      }
    } catch (e) {
      if (this.over) return;
      this.deps.event({ type: 'error', user: this.user.id, error: toAgentError(e) });
      await this.stop('failed');
    }
  }

  /** A renewal sent at `sentAt` succeeded: the lease holds until at least `sentAt + ttl`. */
  renewed(sentAt: number): void {
    if (this.over) return;
    this.deadline.unsubscribe();
    // Stop before the lease can run out anywhere: the margin covers clock drift, pauses and the close.
    const stopIn = Math.max(0, sentAt + this.deps.ttl - this.deps.safetyMargin - Date.now());
    this.deadline = timer(stopIn).subscribe(() => void this.lose('renewOverdue'));
  }

  /** Gives the bot user up: pipeline stopped, agent disposed, checkpoint saved, then the lease released. */
  stop(reason: ReleaseReason): Promise<void> {
    this.ending ??= (async () => {
      // The pipeline stops taking input; commands already sent finish (a bounded wait), so their
      // replies are settled in this checkpoint instead of being looked up by the next owner.
      this.draining.next();
      if (!this.agent) this.drained.next();
      await firstValueFrom(race(this.drained, timer(DRAIN_WAIT)), { defaultValue: undefined });
      this.deadline.unsubscribe();
      this.scope.unsubscribe();
      await this.closed();
      await this.flush().catch((e: unknown) => this.deps.event({ type: 'error', user: this.user.id, error: toAgentError(e) }));
      await this.deps.leases.release(this.lease).catch((e: unknown) => this.deps.event({ type: 'error', user: this.user.id, error: toAgentError(e) }));
      this.deps.event({ type: 'released', user: this.user.id, token: this.lease.token, reason });
      this.deps.ended(this, reason);
    })();
    return this.ending;
  }

  /** The lease is gone or going: the agent stops at once, nothing more is written under it. */
  lose(reason: LossReason): Promise<void> {
    this.ending ??= (async () => {
      this.deadline.unsubscribe();
      this.scope.unsubscribe();
      this.deps.event({ type: 'lost', user: this.user.id, token: this.lease.token, reason });
      this.deps.ended(this, reason);
      await this.closed();
      // Still ours if only overdue: free it for the next owner (a refusal changes nothing).
      await this.deps.leases.release(this.lease).catch(() => false);
    })();
    return this.ending;
  }

  /** Waits (a bounded time) until the server has seen the session close, so no successor overlaps it. */
  private async closed(): Promise<void> {
    if (this.agent) await firstValueFrom(race(from(this.agent.closed()), timer(CLOSE_WAIT)), { defaultValue: undefined });
  }

  /** Saves the watermarks if they moved; a refusal means a newer lease exists. */
  async flush(): Promise<void> {
    if (!this.marks.dirty) return;
    const dialogs = this.marks.take();
    let saved: boolean;
    try {
      saved = await this.deps.checkpoints.save(this.user.id, { fence: this.lease.token, dialogs, savedAt: Date.now() });
    } catch (e) {
      this.marks.unsaved();
      throw e;
    }
    if (!saved) await this.lose('fenced');
  }

  private watch(agent: Agent): void {
    const context: BotContext = { user: this.user.id, lease: this.lease, settle: (m) => this.marks.settle(m) };
    this.scope.add(agent.messages$.subscribe((m) => this.marks.delivered(m)));
    this.scope.add(
      agent.conversations$.subscribe((c) => {
        if (c.type === 'DELETE' || c.conversation.state === 'CLOSE') {
          this.marks.forget(c.convId);
          for (const d of c.conversation.dialogs) this.marks.forget(d.dialogId);
        } else {
          this.marks.confirm(c.convId);
          for (const d of c.conversation.dialogs) if (d.state === 'OPEN') this.marks.confirm(d.dialogId);
        }
      }),
    );
    this.scope.add(
      agent.results$.subscribe((r) => {
        if (!r.ok || r.command.type !== '.ams.ms.PublishEvent') return;
        const cause = causeOfReplyKey(idempotencyKeyOf(r.command));
        if (cause) this.marks.settle(cause);
      }),
    );
    this.scope.add(
      agent.errors$.subscribe((error) => {
        if (error.kind === 'SessionTakenOver') void this.stop('takenOver');
      }),
    );
    // A pipeline that fails is reported and started again, a little later each time.
    const pipeline$ = defer(() => this.deps.pipeline(agent, context)).pipe(
      retry({
        delay: (e: unknown, count) => {
          this.deps.event({ type: 'error', user: this.user.id, error: toAgentError(e) });
          return timer(Math.min(30_000, 500 * 2 ** Math.min(count, 6)));
        },
      }),
    );
    const running = agent.run(pipeline$.pipe(takeUntil(this.draining)));
    running.add(() => this.drained.next());
    this.scope.add(running);
    // By then the conversation subscription has reported every open conversation: a restored
    // dialog not among them closed meanwhile.
    this.scope.add(timer(RESTORE_GRACE).subscribe(() => this.marks.dropUnconfirmed()));
    this.scope.add(
      interval(this.deps.checkpointInterval)
        .pipe(exhaustMap(() => defer(() => this.flush().catch((e: unknown) => this.deps.event({ type: 'error', user: this.user.id, error: toAgentError(e) })))))
        .subscribe(),
    );
  }
}
