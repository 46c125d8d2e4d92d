export { type Span, SpanKind, type Tracer } from "@opentelemetry/api";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export {
  type BoundedLabel,
  boundedLabel,
  Counter,
  createMetrics,
  Gauge,
  Histogram,
  type MetricsServer,
  otherLabel,
  Registry,
  secondsBuckets,
  serveMetrics,
} from "./metrics.ts";
export { minSecretLength, redactedCount, redactedMark, redactValues, scrubSecrets } from "./secrets.ts";
export {
  activeTraceId,
  extractContext,
  type HeaderCarrier,
  initTelemetry,
  injectContext,
  recordFailure,
  type Telemetry,
  type TelemetryOptions,
  withRemoteParent,
  withSpan,
} from "./tracing.ts";
