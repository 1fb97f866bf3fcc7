import type { Agent, ConnectionState } from '../agent/types.js';
import type { AgentError } from '../domain/errors.js';
import type { MessagingEvent } from '../domain/types.js';
import { channelOf } from './platform.js';

/**
 * The names of the `node:diagnostics_channel` channels the library publishes on. Nothing is built
 * or sent while a channel has no subscriber. `request` is a tracing channel: subscribe with
 * `diagnostics_channel.tracingChannel(channelNames.request)` (its `start`, `asyncEnd` and `error`
 * events), or to the plain channels `tracing:lp-agent-rx:request:start|asyncEnd|error`.
 *
 * @example
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(channelNames.connection, (m) => console.log((m as ConnectionMessage).state.status));
 */
export const channelNames = {
  /** {@link AgentLifecycleMessage}: an agent created or disposed. */
  agent: 'lp-agent-rx:agent',
  /** {@link ConnectionMessage}: every connection state change. */
  connection: 'lp-agent-rx:connection',
  /** {@link RequestMessage} (tracing): each request on the wire, keep-alives included. */
  request: 'lp-agent-rx:request',
  /** {@link ReconnectMessage}: a drop that will be retried, and why. */
  reconnect: 'lp-agent-rx:reconnect',
  /** {@link CatchUpMessage}: a dialog's history fetched (on joining, or catching up after a drop). */
  catchUp: 'lp-agent-rx:catch-up',
  /** {@link DecodeMessage}: a decode error, decode warning or normalize warning. */
  decode: 'lp-agent-rx:decode',
  /** {@link MessageMessage}: a message delivered on `messages$` (in) or published (out). */
  message: 'lp-agent-rx:message',
  /** {@link LeaseMessage}: an agent pool's acquisitions, releases, losses and errors. */
  lease: 'lp-agent-rx:lease',
} as const;

/**
 * On `lp-agent-rx:agent`.
 *
 * @example
 * subscribe(channelNames.agent, (m) => { const { agent, event } = m as AgentLifecycleMessage; });
 */
export interface AgentLifecycleMessage {
  readonly agent: Agent;
  readonly event: 'created' | 'disposed';
}

/**
 * On `lp-agent-rx:connection`.
 *
 * @example
 * subscribe(channelNames.connection, (m) => log((m as ConnectionMessage).state));
 */
export interface ConnectionMessage {
  readonly agent: Agent;
  readonly state: ConnectionState;
}

/**
 * The context of one request on the tracing channel `lp-agent-rx:request`: the same object on
 * `start` (when sent), `error` (a failure, before `asyncEnd`) and `asyncEnd` (settled), filled in
 * as it goes.
 *
 * @example
 * tracingChannel(channelNames.request).subscribe({ asyncEnd: (m) => record((m as RequestMessage).duration) });
 */
export interface RequestMessage {
  readonly agent: Agent;
  /** The request type, e.g. `.ams.ms.PublishEvent`. */
  readonly type: string;
  readonly reqId: string;
  /** When it was sent (ms, `performance.now()` clock). */
  readonly startedAt: number;
  /** Ms from sent to settled (on `asyncEnd`). */
  duration?: number;
  /** `ok` (answered below 400), `failed` (answered 400 or more, or the socket closed), `cancelled` (timed out or unsubscribed). */
  outcome?: 'ok' | 'failed' | 'cancelled';
  /** The response code, when answered. */
  code?: number;
  /** On `error`: what failed. */
  error?: AgentError;
}

/**
 * On `lp-agent-rx:reconnect`.
 *
 * @example
 * subscribe(channelNames.reconnect, (m) => warn(`reconnect #${(m as ReconnectMessage).attempt}`));
 */
export interface ReconnectMessage {
  readonly agent: Agent;
  /** The retry about to be made (1 for the first). */
  readonly attempt: number;
  /** The close code that caused it, if a socket closed. */
  readonly code?: number;
  /** The error kind that caused it (`ConnectionClosed`, `RequestTimeout`, `AuthFailed`, ...). */
  readonly reason: string;
}

/**
 * On `lp-agent-rx:catch-up`.
 *
 * @example
 * subscribe(channelNames.catchUp, (m) => lag.record((m as CatchUpMessage).lag));
 */
export interface CatchUpMessage {
  readonly agent: Agent;
  readonly dialogId: string;
  /** `join`: the history on joining a dialog; `catch-up`: what was missed during a drop. */
  readonly kind: 'join' | 'catch-up';
  /** Records fetched. */
  readonly records: number;
  /** How far behind the oldest record fetched was, in ms (0 when none). */
  readonly lag: number;
}

/**
 * On `lp-agent-rx:decode`.
 *
 * @example
 * subscribe(channelNames.decode, (m) => count((m as DecodeMessage).error.kind));
 */
export interface DecodeMessage {
  readonly agent: Agent;
  /** A `DecodeError`, `DecodeWarning` or `NormalizeWarning`. */
  readonly error: AgentError;
}

/**
 * On `lp-agent-rx:message`.
 *
 * @example
 * subscribe(channelNames.message, (m) => (m as MessageMessage).direction === 'in' && received++);
 */
export interface MessageMessage {
  readonly agent: Agent;
  readonly direction: 'in' | 'out';
  /** `ContentEvent`, `RichContentEvent`, `AcceptStatusEvent`, `UnknownEvent`. */
  readonly eventType: string;
  /** In: the event as delivered on `messages$`. */
  readonly event?: MessagingEvent;
}

/**
 * On `lp-agent-rx:lease`: an agent pool's event (see `lp-agent-rx/cluster`).
 *
 * @example
 * subscribe(channelNames.lease, (m) => log((m as LeaseMessage).event.type));
 */
export interface LeaseMessage {
  readonly workerId: string;
  readonly event: { readonly type: string; readonly user?: string; readonly token?: number; readonly reason?: string };
}

/**
 * The channels, opened once per process (Node keeps one channel per name anyway).
 *
 * @example
 * if (channels.connection.hasSubscribers) channels.connection.publish({ agent, state });
 */
export const channels = {
  agent: channelOf(channelNames.agent),
  connection: channelOf(channelNames.connection),
  requestStart: channelOf(`tracing:${channelNames.request}:start`),
  requestEnd: channelOf(`tracing:${channelNames.request}:asyncEnd`),
  requestError: channelOf(`tracing:${channelNames.request}:error`),
  reconnect: channelOf(channelNames.reconnect),
  catchUp: channelOf(channelNames.catchUp),
  decode: channelOf(channelNames.decode),
  message: channelOf(channelNames.message),
  lease: channelOf(channelNames.lease),
};
