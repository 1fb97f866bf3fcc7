import { channels, type RequestMessage } from '../diagnostics/channels.js';
import { RequestFailed, type AgentError } from '../domain/errors.js';
import type { RequestTrace } from './connection.js';
import type { Agent, AgentStats, ConnectionState } from './types.js';

/** What `stats()` reads besides the counters: the connection's status and the streams' bookkeeping. */
export interface StatsSources {
  status(): ConnectionState['status'];
  openConversations(): number;
  followedDialogs(): number;
  catchUpBacklog(): number;
}

/**
 * The agent's counters and request tracing: each request on the wire is traced (pending count,
 * GetClock's round trip and clock skew, the tracing channels), and `snapshot()` is `agent.stats()`.
 *
 * @example
 * const stats = new AgentCounters(agent, now);
 * const trace = stats.trace('.GetClock', '7'); trace.answered(response);
 */
export class AgentCounters {
  reconnects = 0;
  messagesIn = 0;
  messagesOut = 0;
  private pending = 0;
  private openedAt = 0;
  private rtt: number | undefined;
  private skew: number | undefined;

  constructor(
    private readonly agent: Agent,
    private readonly now: () => number,
  ) {}

  /** The connection opened (uptime counts from here). */
  opened(): void {
    this.openedAt = this.now();
  }

  snapshot(sources: StatsSources): AgentStats {
    const status = sources.status();
    return {
      status,
      uptime: status === 'open' ? Math.round(this.now() - this.openedAt) : 0,
      reconnects: this.reconnects,
      rtt: this.rtt,
      clockSkew: this.skew,
      pendingRequests: this.pending,
      openConversations: sources.openConversations(),
      followedDialogs: sources.followedDialogs(),
      catchUpBacklog: sources.catchUpBacklog(),
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
    };
  }

  /** Watches one request on the wire: pending count, GetClock's round trip and skew, the tracing channel. */
  trace(type: string, reqId: string): RequestTrace {
    this.pending++;
    const startedAt = this.now();
    const traced = channels.requestStart.hasSubscribers || channels.requestEnd.hasSubscribers || channels.requestError.hasSubscribers;
    const context: RequestMessage | undefined = traced ? { agent: this.agent, type, reqId, startedAt } : undefined;
    if (context) channels.requestStart.publish(context);
    let settled = false;
    const settle = (outcome: NonNullable<RequestMessage['outcome']>, code: number | undefined, error: AgentError | undefined): void => {
      if (settled) return;
      settled = true;
      this.pending--;
      if (!context) return;
      context.duration = this.now() - startedAt;
      context.outcome = outcome;
      if (code !== undefined) context.code = code;
      if (error) {
        context.error = error;
        channels.requestError.publish(context);
      }
      channels.requestEnd.publish(context);
    };
    return {
      answered: (response) => {
        if (type === '.GetClock' && response.code < 400) {
          const rtt = this.now() - startedAt;
          this.rtt = Math.round(rtt);
          const body = response.body;
          const serverTime = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['currentTime'] : undefined;
          if (typeof serverTime === 'number') this.skew = Math.round(serverTime - (startedAt + rtt / 2));
        }
        settle(response.code < 400 ? 'ok' : 'failed', response.code, response.code < 400 ? undefined : new RequestFailed(type, reqId, response.code, response.body));
      },
      failed: (error) => settle(error ? 'failed' : 'cancelled', undefined, error),
    };
  }
}
