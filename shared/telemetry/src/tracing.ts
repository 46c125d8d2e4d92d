import { context, propagation, type Span, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint; spans are exported only when it is set. */
  otlpEndpoint?: string | undefined;
  /** Extra processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider with W3C trace-context propagation and async-context tracking.
 * Without an exporter (or a test's processor) nothing would read a span, so none is recorded:
 * spans are non-recording (no attributes, events or timing kept, nothing handed to a
 * processor), but each still has its ids, so logs carry trace ids and the context propagates
 * across every hop as before.
 */
export function initTelemetry(options: TelemetryOptions): Telemetry {
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) processors.push(otlpProcessor(`${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: processors,
    ...(processors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: trace.getTracer(`switchyard-${options.serviceName}`),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Batches spans to OTLP/HTTP. The exporter (about 15 MB resident) is loaded only when an
 * endpoint is configured, in the background; spans that end before it is ready wait for it
 * (at most 2,048, past which they are dropped).
 */
function otlpProcessor(url: string): SpanProcessor {
  let inner: SpanProcessor | undefined;
  const early: ReadableSpan[] = [];
  const ready = import("@opentelemetry/exporter-trace-otlp-http").then(({ OTLPTraceExporter }) => {
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
    for (const span of early.splice(0)) processor.onEnd(span);
    inner = processor;
  });
  return {
    onStart: (span, parent) => inner?.onStart(span, parent),
    onEnd: (span: ReadableSpan) => {
      if (inner) inner.onEnd(span);
      else if (early.length < 2048) early.push(span);
    },
    forceFlush: async () => {
      await ready;
      await inner?.forceFlush();
    },
    shutdown: async () => {
      await ready.catch(() => undefined);
      await inner?.shutdown();
    },
  };
}

/** Marks a span failed with the error: recorded as its exception, and its status `ERROR` with the message. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` inside a new active span, recording failures; the span ends when the work settles. */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Record<string, string | number | boolean>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Carrier helpers: anything with get/set of string headers can carry trace context. */
export interface HeaderCarrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export function injectContext(carrier: HeaderCarrier): void {
  propagation.inject(context.active(), carrier, {
    set: (target, key, value) => target.set(key, value),
  });
}

export function extractContext(carrier: HeaderCarrier) {
  return propagation.extract(context.active(), carrier, {
    get: (target, key) => target.get(key),
    keys: () => ["traceparent", "tracestate"],
  });
}

/** The trace id of the active span, for error bodies and logs. */
export function activeTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}

/** Runs `work` with the trace context a carrier brings from another process as the parent. */
export function withRemoteParent<T>(carrier: HeaderCarrier, work: () => T): T {
  return context.with(extractContext(carrier), work);
}
