/**
 * `lp-agent-rx/otel`: the agent's diagnostics channels as OpenTelemetry metrics and spans.
 * `@opentelemetry/api` is an optional peer dependency: install it to use this entry point.
 *
 * @example
 * import { instrumentLpAgent } from 'lp-agent-rx/otel';
 * const instrumentation = instrumentLpAgent(); // the global meter and tracer providers
 */
export * from './instrument.js';
