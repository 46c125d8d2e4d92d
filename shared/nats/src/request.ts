import { errors, type NatsConnection } from "@nats-io/transport-node";
import { ReplyEnvelope } from "@switchyard/contracts";
import { AppError, fromWire } from "@switchyard/errors";
import { z } from "zod";
import { decodeJson, encodeJson, traceHeaders } from "./codec.ts";

export interface RequestOptions {
  timeoutMs: number;
  /** Says who should have answered, for the 503 message. */
  service: string;
}

/**
 * Sends a JSON request and parses the reply envelope. No responder fails at once with
 * `unavailable`; no reply in time is `timeout`; an error reply is rethrown as its AppError.
 */
export async function requestJson<T extends z.ZodType>(
  connection: NatsConnection,
  subject: string,
  payload: unknown,
  replySchema: T,
  options: RequestOptions,
): Promise<z.infer<T>> {
  let reply: Awaited<ReturnType<NatsConnection["request"]>>;
  try {
    reply = await connection.request(subject, encodeJson(payload), {
      timeout: options.timeoutMs,
      headers: traceHeaders(),
    });
  } catch (error) {
    throw requestFailure(error, options.service);
  }
  const envelope = decodeJson(ReplyEnvelope, reply.data);
  if (!envelope.ok) throw fromWire(envelope.error);
  return replySchema.parse(envelope.data);
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

/**
 * Publishes a JSON message, with trace headers unless `traced` is false: a run's events and
 * credits belong to the run's trace already, and headers on each of thousands would cost.
 */
export function publishJson(connection: NatsConnection, subject: string, payload: unknown, traced = true): void {
  connection.publish(subject, encodeJson(payload), traced ? { headers: traceHeaders() } : undefined);
}

export const EmptyReply = z.object({});
