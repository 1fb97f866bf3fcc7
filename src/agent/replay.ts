import type { Command } from '../domain/commands.js';
import type { Response } from '../protocol/index.js';

/**
 * A state-setting command the agent replays after every reconnect.
 *
 * @example
 * const entry = remembered.remember(command); // undefined for commands that set no state
 */
export interface RememberedCommand {
  readonly key: string;
  readonly command: Command;
  /** True while its own request is queued or in flight, so a replay does not send it twice. */
  inFlight: boolean;
  /** The subscription the server gave it last (a replay gets a new one). */
  subscriptionId?: string;
  /** The subscription id its caller was given (the first one): what the caller unsubscribes with. */
  callerId?: string;
}

/**
 * What the agent replays after a reconnect: the routing and agent-state subscriptions, the desired
 * availability (the latest of each), and every conversation subscription until unsubscribed.
 *
 * @example
 * const registry = new ReplayRegistry();
 * registry.remember({ type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE' } });
 * registry.toReplay(); // [that entry]
 */
export class ReplayRegistry {
  private readonly entries = new Map<string, RememberedCommand>();

  /** Remembers a state-setting command (replacing the previous one of its kind). */
  remember(command: Command): RememberedCommand | undefined {
    let key: string;
    switch (command.type) {
      case '.ams.routing.SetAgentState':
      case '.ams.routing.SubscribeRoutingTasks':
      case '.ams.routing.SubscribeAgentsState':
        key = command.type;
        break;
      case '.ams.aam.SubscribeExConversations':
        key = `${command.type} ${JSON.stringify(command.body)}`;
        break;
      default:
        return undefined;
    }
    const entry: RememberedCommand = { key, command, inFlight: false };
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * A conversation subscription learns the id the server gave it.
   * @return That id, for conversation subscriptions.
   */
  learn(entry: RememberedCommand, response: Response): string | undefined {
    const body = response.body;
    if (entry.command.type !== '.ams.aam.SubscribeExConversations' || typeof body !== 'object' || body === null) return undefined;
    const record = body as Record<string, unknown>;
    const id = record['subscriptionId'] ?? record['subScriptionId'];
    if (typeof id !== 'string') return undefined;
    entry.subscriptionId = id;
    entry.callerId ??= id;
    return id;
  }

  /**
   * Unsubscribed on purpose: that subscription is not replayed any more.
   * @param subscriptionId The id the caller was given (or the current one).
   * @return The id the server holds now, to unsubscribe with.
   */
  forgetSubscription(subscriptionId: string): string | undefined {
    for (const [key, entry] of this.entries) {
      if (entry.callerId !== subscriptionId && entry.subscriptionId !== subscriptionId) continue;
      this.entries.delete(key);
      return entry.subscriptionId;
    }
    return undefined;
  }

  /** Whether a conversation subscription is remembered (conversation changes are expected). */
  hasConversationSubscription(): boolean {
    for (const entry of this.entries.values()) if (entry.command.type === '.ams.aam.SubscribeExConversations') return true;
    return false;
  }

  /** What to replay now: everything not already on its way. */
  toReplay(): RememberedCommand[] {
    return [...this.entries.values()].filter((e) => !e.inFlight);
  }
}
