import { trace } from "@opentelemetry/api";
import { pino } from "pino";

export type Logger = pino.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  instance?: string;
  /** Where lines go; standard output by default. */
  destination?: pino.DestinationStream;
}

/** JSON lines with the service, and the trace and span ids of whatever span is active. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Secrets never reach logs: these paths are dropped wherever they appear.
      redact: { paths: ["apiKey", "*.apiKey", "authorization", "*.authorization", "headers.authorization"], remove: true },
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
