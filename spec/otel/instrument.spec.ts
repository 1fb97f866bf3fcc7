import { EMPTY, filter, firstValueFrom } from 'rxjs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createAgent, sendText } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { instrumentLpAgent } from '../../src/otel/index';
import { createAgentPool, MemoryCheckpointStore, MemoryLeaseStore } from '../../src/cluster/index';
import { acceptedConversation, next } from '../integration/helpers';

/** The attribute keys any metric point or span may carry: none of them names a conversation, dialog or consumer. */
const ALLOWED = new Set(['messaging.system', 'messaging.operation.name', 'lp.event.type', 'error.type', 'lp.close.code', 'lp.catch_up.kind', 'lp.lease.event', 'lp.response.code']);

describe('lp-agent-rx/otel: metrics and spans from the diagnostics channels (in-memory exporters)', () => {
  it('records messages, request durations, reconnects, catch-up and gauges, a span per request, and no ids as attributes', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const spanExporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
    const instrumentation = instrumentLpAgent({ meterProvider, tracerProvider });
    const emulator = await startEmulator({ port: 0, seed: 51 });
    const agent = createAgent({ ...emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] }), keepAlive: 0, reconnect: { initialInterval: 10, jitter: 0 } });
    let ids: string[];
    try {
      const { consumer, ringId } = await acceptedConversation(agent, emulator);
      ids = [consumer.convId, consumer.consumerId, ringId];
      const hello$ = next(agent.messages$, (m) => m.type === 'ContentEvent' && !m.isMe);
      await consumer.send('hello');
      const hello = await hello$;
      await firstValueFrom(agent.execute(sendText(hello.dialogId, 'hi', { replyTo: hello })));
      await expect(firstValueFrom(agent.request('.ams.NoSuchRequest', {}))).rejects.toBeDefined();
      const dropped = next(agent.connection$, (s) => s.status === 'reconnecting');
      emulator.dropConnections(1006);
      await dropped;
      await next(agent.connection$, (s) => s.status === 'open');
      await firstValueFrom(agent.getClock());
      // a frame that does not decode
      emulator.injectFrame('{not json');
      await firstValueFrom(agent.errors$);
      // a pool's lease events
      const pool = createAgentPool({
        users: [{ id: 'pooled', config: emulator.addAgent({ username: 'pooled', password: 'pw' }) }],
        leases: new MemoryLeaseStore(),
        checkpoints: new MemoryCheckpointStore(),
        pipeline: () => EMPTY,
        scanInterval: 10,
        agentOptions: { keepAlive: 0 },
      });
      await firstValueFrom(pool.held$.pipe(filter((h) => h[0]?.agent !== undefined)));
      await pool.close();

      await reader.forceFlush();
      const exported = metricExporter.getMetrics().at(-1);
      const all = exported?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
      const points = (name: string): DataPoint<unknown>[] => (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as DataPoint<unknown>[];
      const sum = (name: string, where: (a: Record<string, unknown>) => boolean = () => true): number =>
        points(name).filter((p) => where(p.attributes)).reduce((n, p) => n + (typeof p.value === 'number' ? p.value : ((p.value as { count?: number }).count ?? 0)), 0);

      expect(sum('messaging.client.consumed.messages', (a) => a['lp.event.type'] === 'ContentEvent')).toBeGreaterThanOrEqual(1);
      expect(sum('messaging.client.sent.messages')).toBe(1);
      expect(sum('messaging.client.operation.duration', (a) => a['messaging.operation.name'] === '.GetClock' && a['error.type'] === undefined)).toBeGreaterThanOrEqual(1);
      expect(sum('messaging.client.operation.duration', (a) => a['messaging.operation.name'] === '.ams.NoSuchRequest' && a['error.type'] === 'RequestFailed')).toBe(1);
      expect(points('lp_agent.reconnects').map((p) => p.attributes)).toEqual([{ 'messaging.system': 'liveperson', 'error.type': 'ConnectionClosed', 'lp.close.code': 1006 }]);
      expect(sum('lp_agent.catch_up.lag', (a) => a['lp.catch_up.kind'] === 'join')).toBeGreaterThanOrEqual(1);
      expect(sum('lp_agent.conversations.open')).toBe(1);
      expect(sum('lp_agent.dialogs.followed')).toBe(1);
      expect(sum('lp_agent.requests.pending')).toBe(0);
      expect(sum('lp_agent.catch_up.backlog')).toBe(0);
      expect(sum('lp_agent.catch_up.records', (a) => a['lp.catch_up.kind'] === 'join')).toBeGreaterThanOrEqual(1);
      expect(points('lp_agent.decode.problems').map((p) => [p.attributes['error.type'], p.value])).toEqual([['DecodeError', 1]]);
      expect(sum('lp_agent.leases', (a) => a['lp.lease.event'] === 'acquired')).toBe(1);
      expect(sum('lp_agent.leases', (a) => a['lp.lease.event'] === 'released')).toBe(1);

      const spans = spanExporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['.GetClock', '.ams.ms.PublishEvent', '.ams.routing.UpdateRingState']));
      const failed = spans.find((s) => s.name === '.ams.NoSuchRequest');
      expect(failed?.status).toMatchObject({ code: 2, message: 'RequestFailed' });

      // Cardinality: no id in a metric attribute, a span name or a span attribute.
      const labels = [...all.flatMap((m) => m.dataPoints.map((p) => p.attributes)), ...spans.map((s) => s.attributes)];
      for (const attributes of labels) for (const key of Object.keys(attributes)) expect(ALLOWED).toContain(key);
      const text = JSON.stringify([labels, spans.map((s) => s.name)]);
      for (const id of [...ids, hello.dialogId]) expect(text).not.toContain(id);
    } finally {
      agent.dispose();
      instrumentation.stop();
      await emulator.close();
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    }
  });
});
