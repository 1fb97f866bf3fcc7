import { metrics, SpanKind, SpanStatusCode, trace, type Attributes, type MeterProvider, type Span, type TracerProvider } from '@opentelemetry/api';
import type { Agent } from '../agent/types.js';
import {
  channelNames,
  type AgentLifecycleMessage,
  type CatchUpMessage,
  type DecodeMessage,
  type LeaseMessage,
  type MessageMessage,
  type ReconnectMessage,
  type RequestMessage,
} from '../diagnostics/channels.js';
import { subscribeTo } from '../diagnostics/platform.js';

/**
 * Where the instrumentation records.
 *
 * @example
 * instrumentLpAgent({ meterProvider, tracerProvider });
 */
export interface LpAgentInstrumentationOptions {
  /** Default: the global one (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** Default: the global one (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
}

/**
 * A running instrumentation; `stop()` unsubscribes from every channel.
 *
 * @example
 * const instrumentation = instrumentLpAgent();
 * instrumentation.stop();
 */
export interface LpAgentInstrumentation {
  /** Unsubscribes from every channel; the instruments stay with the meter. */
  stop(): void;
}

const SYSTEM = 'liveperson';
const base: Attributes = { 'messaging.system': SYSTEM };

/**
 * Turns the agent's `node:diagnostics_channel` events into OpenTelemetry metrics and spans.
 * Agents created after this call are counted in the gauges (it learns of them on the
 * `lp-agent-rx:agent` channel); call it before `createAgent`.
 *
 * Metrics (attributes never hold a conversation, dialog or consumer id):
 * - `messaging.client.consumed.messages`, `messaging.client.sent.messages` (counters, by `lp.event.type`;
 *   counted in place and read when the SDK collects, so a message costs a map increment);
 * - `messaging.client.operation.duration` (histogram, s, by `messaging.operation.name` = request type, `error.type`);
 * - `lp_agent.reconnects` (counter, by `error.type` and `lp.close.code`);
 * - `lp_agent.catch_up.lag` (histogram, s, by `lp.catch_up.kind`) and `lp_agent.catch_up.records` (counter);
 * - `lp_agent.decode.problems` (counter, by `error.type`); `lp_agent.leases` (counter, by `lp.lease.event`);
 * - gauges `lp_agent.conversations.open`, `lp_agent.dialogs.followed`, `lp_agent.requests.pending`,
 *   `lp_agent.catch_up.backlog`.
 *
 * Spans: one CLIENT span per request, named after its type (`.ams.ms.PublishEvent`), status ERROR
 * with `error.type` when it fails.
 *
 * ## Example
 * ```ts
 * import { NodeSDK } from '@opentelemetry/sdk-node';
 * import { instrumentLpAgent } from 'lp-agent-rx/otel';
 *
 * new NodeSDK({ ... }).start();
 * instrumentLpAgent();
 * const agent = createAgent(config);
 * ```
 *
 * @param options Meter and tracer providers (default: the global ones).
 * @return The instrumentation, to stop.
 */
export function instrumentLpAgent(options: LpAgentInstrumentationOptions = {}): LpAgentInstrumentation {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter('lp-agent-rx');
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('lp-agent-rx');
  const agents = new Set<Agent>();
  const spans = new WeakMap<RequestMessage, Span>();

  // Messages are the hot path: counted in a map here, handed to the SDK only when it collects.
  const messageCounts = new Map<string, { readonly direction: 'in' | 'out'; readonly attributes: Attributes; value: number }>();
  const observeMessages = (name: string, description: string, direction: 'in' | 'out'): void => {
    meter.createObservableCounter(name, { description, unit: '{message}' }).addCallback((result) => {
      for (const count of messageCounts.values()) if (count.direction === direction) result.observe(count.value, count.attributes);
    });
  };
  observeMessages('messaging.client.consumed.messages', 'Messages delivered on messages$', 'in');
  observeMessages('messaging.client.sent.messages', 'Messages published', 'out');
  const duration = meter.createHistogram('messaging.client.operation.duration', { description: 'Request round trip, sent to answered', unit: 's' });
  const reconnects = meter.createCounter('lp_agent.reconnects', { description: 'Drops followed by a reconnect attempt', unit: '{reconnect}' });
  const lag = meter.createHistogram('lp_agent.catch_up.lag', { description: 'How far behind the oldest record of a history fetch was', unit: 's' });
  const records = meter.createCounter('lp_agent.catch_up.records', { description: 'History records fetched', unit: '{record}' });
  const problems = meter.createCounter('lp_agent.decode.problems', { description: 'Decode errors and warnings', unit: '{problem}' });
  const leases = meter.createCounter('lp_agent.leases', { description: "An agent pool's lease events", unit: '{event}' });
  const gauge = (name: string, description: string, unit: string, read: (agent: Agent) => number): void => {
    meter.createObservableGauge(name, { description, unit }).addCallback((result) => {
      let sum = 0;
      for (const agent of agents) sum += read(agent);
      result.observe(sum, base);
    });
  };
  gauge('lp_agent.conversations.open', 'Open conversations the agents take part in', '{conversation}', (a) => a.stats().openConversations);
  gauge('lp_agent.dialogs.followed', 'Dialogs followed', '{dialog}', (a) => a.stats().followedDialogs);
  gauge('lp_agent.requests.pending', 'Requests sent and not yet answered', '{request}', (a) => a.stats().pendingRequests);
  gauge('lp_agent.catch_up.backlog', 'Dialogs whose history is still being fetched', '{dialog}', (a) => a.stats().catchUpBacklog);

  const stops = [
    subscribeTo(channelNames.agent, (m) => {
      const { agent, event } = m as AgentLifecycleMessage;
      if (event === 'created') agents.add(agent);
      else agents.delete(agent);
    }),
    subscribeTo(channelNames.message, (m) => {
      const { direction, eventType } = m as MessageMessage;
      const key = `${direction} ${eventType}`;
      const count = messageCounts.get(key);
      if (count) count.value++;
      else {
        const attributes: Attributes = { ...base, 'messaging.operation.name': direction === 'in' ? 'receive' : 'publish', 'lp.event.type': eventType };
        messageCounts.set(key, { direction, attributes, value: 1 });
      }
    }),
    subscribeTo(`tracing:${channelNames.request}:start`, (m) => {
      const context = m as RequestMessage;
      spans.set(context, tracer.startSpan(context.type, { kind: SpanKind.CLIENT, attributes: { ...base, 'messaging.operation.name': context.type } }));
    }),
    subscribeTo(`tracing:${channelNames.request}:asyncEnd`, (m) => {
      const context = m as RequestMessage;
      const errorType = context.outcome === 'ok' ? undefined : (context.error?.kind ?? context.outcome ?? 'failed');
      duration.record((context.duration ?? 0) / 1000, { ...base, 'messaging.operation.name': context.type, ...(errorType ? { 'error.type': errorType } : {}) });
      const span = spans.get(context);
      if (!span) return;
      spans.delete(context);
      if (context.code !== undefined) span.setAttribute('lp.response.code', context.code);
      if (errorType) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      }
      span.end();
    }),
    subscribeTo(channelNames.reconnect, (m) => {
      const { reason, code } = m as ReconnectMessage;
      reconnects.add(1, { ...base, 'error.type': reason, ...(code !== undefined ? { 'lp.close.code': code } : {}) });
    }),
    subscribeTo(channelNames.catchUp, (m) => {
      const message = m as CatchUpMessage;
      const attributes: Attributes = { ...base, 'lp.catch_up.kind': message.kind };
      lag.record(message.lag / 1000, attributes);
      records.add(message.records, attributes);
    }),
    subscribeTo(channelNames.decode, (m) => problems.add(1, { ...base, 'error.type': (m as DecodeMessage).error.kind })),
    subscribeTo(channelNames.lease, (m) => leases.add(1, { ...base, 'lp.lease.event': (m as LeaseMessage).event.type })),
  ];

  return {
    stop: () => {
      for (const stop of stops) stop();
      agents.clear();
    },
  };
}
