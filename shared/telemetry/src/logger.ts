import { trace } from "@opentelemetry/api";
import { pino } from "pino";
import { redactValues, scrubSerialized } from "./secrets.ts";

export type Logger = pino.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  instance?: string;
  /** Where lines go; standard output by default. */
  destination?: pino.DestinationStream;
  /** Secret values to scrub from every line (more can be added at any time with `redactValues`). */
  secrets?: Iterable<string | undefined>;
}

/**
 * JSON lines with the service, and the trace and span ids of whatever span is active. Every
 * line is scrubbed of the secret values registered with `redactValues` (process-wide, so
 * values registered after the logger was made count too): one pass over the serialized line,
 * and none at all while no secret is registered.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (options.secrets) redactValues(options.secrets);
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Secrets never reach logs: these paths are dropped wherever they appear.
      redact: { paths: ["apiKey", "*.apiKey", "authorization", "*.authorization", "headers.authorization"], remove: true },
      hooks: { streamWrite: scrubSerialized },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const context = span.spanContext();
        return { trace_id: context.traceId, span_id: context.spanId };
      },
    },
    options.destination,
  );
}
