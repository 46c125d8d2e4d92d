import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Tracer } from "@opentelemetry/api";
import { context, SpanKind } from "@opentelemetry/api";
import { AppError, toAppError } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";
import type { z } from "zod";
import { contextFromHeaders, decodeJson, encodeJson } from "./codec.ts";

export interface ServeOptions<T extends z.ZodType, R> {
  subject: string;
  /** Queue group: one member answers each request. Omit to have every subscriber answer. */
  queue?: string;
  schema: T;
  handler: (request: z.infer<T>, message: Msg) => Promise<R>;
  logger: Logger;
  tracer: Tracer;
  /** Requests handled at once by this subscriber; past it, callers get `unavailable` at once. */
  maxInFlight?: number;
}

/**
 * The one NATS request wrapper: parses the request, runs the handler under the caller's
 * trace context, and replies `{ok:true,data}` or `{ok:false,error}`. Errors are mapped here
 * and nowhere else; stacks stay in the log.
 */
export function serveRequests<T extends z.ZodType, R>(connection: NatsConnection, options: ServeOptions<T, R>): Subscription {
  const maxInFlight = options.maxInFlight ?? 256;
  let inFlight = 0;
  const subscription = connection.subscribe(options.subject, {
    ...(options.queue ? { queue: options.queue } : {}),
    callback: (error, message) => {
      if (error) {
        options.logger.error({ err: error, subject: options.subject }, "subscription failed");
        return;
      }
      if (inFlight >= maxInFlight) {
        respond(message, { ok: false, error: new AppError("unavailable", "too many requests in flight").toWire() });
        return;
      }
      inFlight += 1;
      void handle(message).finally(() => {
        inFlight -= 1;
      });
    },
  });

  async function handle(message: Msg): Promise<void> {
    const parent = contextFromHeaders(message.headers);
    await context.with(parent, () =>
      options.tracer.startActiveSpan(`nats ${options.subject}`, { kind: SpanKind.SERVER }, async (span) => {
        try {
          const request = decodeRequest(options.schema, message.data);
          const data = await options.handler(request, message);
          respond(message, { ok: true, data: data ?? {} });
        } catch (error) {
          const appError = toAppError(error);
          if (appError.code === "internal") options.logger.error({ err: error, subject: options.subject }, "request failed");
          span.setAttribute("error.code", appError.code);
          respond(message, { ok: false, error: appError.toWire() });
        } finally {
          span.end();
        }
      }),
    );
  }

  return subscription;
}

function decodeRequest<T extends z.ZodType>(schema: T, data: Uint8Array): z.infer<T> {
  try {
    return decodeJson(schema, data);
  } catch (error) {
    if (error instanceof SyntaxError) throw new AppError("invalid_request", "request is not valid JSON");
    throw error;
  }
}

function respond(message: Msg, body: unknown): void {
  if (message.reply) message.respond(encodeJson(body));
}
