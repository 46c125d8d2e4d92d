import { errors, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Span, Tracer } from "@opentelemetry/api";
import { context, SpanKind } from "@opentelemetry/api";
import { type Endpoint, ReplyEnvelope, type Subjects } from "@switchyard/contracts";
import { AppError, fromWire, toAppError, type WireError } from "@switchyard/errors";
import { type Logger, scrubSecrets } from "@switchyard/telemetry";
import type { z } from "zod";
import { contextFromHeaders, decodeJson, encodeJson, traceHeaders } from "./codec.ts";
import { isConnected, onConnectionLost } from "./connect.ts";

/** A connection and the deployment's subjects: what `call` and `serve` need. */
export interface Bus {
  nats: NatsConnection;
  subjects: Subjects;
}

export interface CallOptions {
  timeoutMs: number;
  /** Addresses one instance of a per-instance endpoint. */
  token?: string;
}

/**
 * An endpoint's request as it leaves: checked against the request schema (a bad field is
 * `invalid_request` naming it), refused at once with `unavailable` while there is no server,
 * and `payload_too_large` past what the server takes.
 */
export function encodeRequest<Req extends z.ZodType>(bus: Bus, endpoint: Endpoint<Req, z.ZodType>, payload: z.input<Req>): Uint8Array {
  const checked = endpoint.request.safeParse(payload);
  if (!checked.success) throw toAppError(checked.error);
  if (!isConnected(bus.nats)) throw new AppError("unavailable", "the message bus is unreachable; try again");
  const body = encodeJson(checked.data);
  const maxPayload = bus.nats.info?.max_payload;
  if (maxPayload !== undefined && body.byteLength > maxPayload - 1024) {
    throw new AppError("payload_too_large", `the request is larger than the message bus carries (${maxPayload} bytes)`);
  }
  return body;
}

/**
 * Calls an endpoint: the payload is checked against the endpoint's request schema before it
 * leaves (a bad field is `invalid_request` naming it), the reply against its reply schema.
 * No responder, or no connection to a server right now, fails at once with `unavailable`;
 * a request larger than the server takes is `payload_too_large`; no reply in time is
 * `timeout`; an error reply is rethrown as its AppError, retryability included.
 */
export async function call<Req extends z.ZodType, Res extends z.ZodType>(
  bus: Bus,
  endpoint: Endpoint<Req, Res>,
  payload: z.input<Req>,
  options: CallOptions,
): Promise<z.output<Res>> {
  const body = encodeRequest(bus, endpoint, payload);
  let reply: Msg;
  let release = () => {};
  try {
    const lost = new Promise<never>((_, reject) => {
      release = onConnectionLost(bus.nats, () =>
        reject(new AppError("unavailable", "the message bus connection was lost while waiting for a reply")),
      );
    });
    reply = await Promise.race([
      bus.nats.request(bus.subjects.endpoint(endpoint, options.token), body, { timeout: options.timeoutMs, headers: traceHeaders() }),
      lost,
    ]);
  } catch (error) {
    throw error instanceof AppError ? error : requestFailure(error, endpoint.service);
  } finally {
    release();
  }
  const envelope = decodeJson(ReplyEnvelope, reply.data);
  if (!envelope.ok) throw fromWire(envelope.error);
  const data = endpoint.reply.safeParse(envelope.data);
  if (!data.success) throw new AppError("internal", `${endpoint.service} sent a malformed reply`, { cause: data.error });
  return data.data;
}

function requestFailure(error: unknown, service: string): AppError {
  if (error instanceof errors.RequestError && error.isNoResponders()) {
    return new AppError("unavailable", `no ${service} is available`, { cause: error });
  }
  if (error instanceof errors.TimeoutError || (error instanceof errors.RequestError && error.cause instanceof errors.TimeoutError)) {
    return new AppError("timeout", `${service} did not answer in time`, { cause: error });
  }
  if (error instanceof errors.ClosedConnectionError || error instanceof errors.DrainingConnectionError) {
    return new AppError("unavailable", "the message bus connection is closed", { cause: error });
  }
  return new AppError("unavailable", `request to ${service} failed`, { cause: error });
}

export interface ServeOptions {
  logger: Logger;
  tracer: Tracer;
  /** Requests handled at once by this subscriber; past it, callers get `unavailable` at once. */
  maxInFlight?: number;
  /** Serves one instance of a per-instance endpoint. */
  token?: string;
}

export type Handler<Req extends z.ZodType, Res extends z.ZodType> = (request: z.output<Req>, message: Msg) => Promise<z.input<Res>>;

/** Runs `work` as the server span `nats <subject>`, under the trace context the message carries; the span ends when it settles. */
export function inServerSpan(
  tracer: Tracer,
  message: Pick<Msg, "headers">,
  subject: string,
  work: (span: Span) => Promise<void>,
): Promise<void> {
  return context.with(contextFromHeaders(message.headers), () =>
    tracer.startActiveSpan(`nats ${subject}`, { kind: SpanKind.SERVER }, async (span) => {
      try {
        await work(span);
      } finally {
        span.end();
      }
    }),
  );
}

/**
 * An error as it leaves the process in an answer: mapped, logged (with `fields`) when it is
 * internal, and scrubbed of every secret this process knows (a remote server's message may echo one).
 */
export function outgoingError(error: unknown, logger: Logger, fields: Record<string, unknown>): WireError {
  const appError = toAppError(error);
  if (appError.code === "internal") logger.error({ err: error, ...fields }, "request failed");
  const wire = appError.toWire();
  wire.message = scrubSecrets(wire.message);
  return wire;
}

/**
 * The one NATS request wrapper: subscribes to the endpoint (in its queue group), parses each
 * request with its schema, runs the handler under the caller's trace context, and replies
 * `{ok:true,data}` or `{ok:false,error}`. Errors are mapped here and nowhere else; stacks
 * stay in the log.
 */
export function serve<Req extends z.ZodType, Res extends z.ZodType>(
  bus: Bus,
  endpoint: Endpoint<Req, Res>,
  handler: Handler<Req, Res>,
  options: ServeOptions,
): Subscription {
  const subject = bus.subjects.endpoint(endpoint, options.token);
  const maxInFlight = options.maxInFlight ?? 256;
  let inFlight = 0;

  async function handle(message: Msg): Promise<void> {
    await inServerSpan(options.tracer, message, subject, async (span) => {
      try {
        const request = decodeRequest(endpoint.request, message.data);
        const data = await handler(request, message);
        respond(message, { ok: true, data: data ?? {} });
      } catch (error) {
        const wire = outgoingError(error, options.logger, { subject });
        span.setAttribute("error.code", wire.code);
        respond(message, { ok: false, error: wire });
      }
    });
  }

  return bus.nats.subscribe(subject, {
    ...(endpoint.queue ? { queue: endpoint.queue } : {}),
    callback: (error, message) => {
      if (error) {
        options.logger.error({ err: error, subject }, "subscription failed");
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
}

function decodeRequest<T extends z.ZodType>(schema: T, data: Uint8Array): z.infer<T> {
  try {
    return decodeJson(schema, data);
  } catch (error) {
    if (error instanceof SyntaxError) throw new AppError("invalid_request", "request is not valid JSON");
    throw error;
  }
}

function respond(message: Msg, body: ReplyEnvelope): void {
  if (message.reply) message.respond(encodeJson(body));
}

/**
 * Publishes a JSON event with trace headers. (Run traffic does not come here: it goes in
 * batches on the run link, without headers, belonging to the run's trace already.)
 */
export function publishJson(connection: NatsConnection, subject: string, payload: unknown): void {
  connection.publish(subject, encodeJson(payload), { headers: traceHeaders() });
}
