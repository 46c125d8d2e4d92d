import { randomBytes } from "node:crypto";
import {
  type DefinitionKind,
  type Execution,
  endpoints,
  executionLimits,
  finalEventOf,
  finalStatuses,
  type Principal,
} from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { isConnected } from "@switchyard/nats";
import type { Request, Response } from "express";
import { requireDefinition } from "../access/permissions.ts";
import type { GatewayContext } from "../context.ts";
import { type EventStream, eventStream } from "../http/sse.ts";
import { followExecutionEvents } from "./execution-events.ts";

/** Every key sees its own executions; an admin key sees everyone's. */
export const ownerFilter = (principal: Principal) => (principal.role === "admin" ? undefined : principal.keyId);

/** The body key that carries a callback URL beside a run's inputs (it is not passed to the run). */
export const callbackField = "callback_url";

export interface SubmitInput {
  kind: DefinitionKind;
  name: string;
  inputs: Record<string, unknown>;
  callbackUrl?: string;
  /** The client's conversation, scoped to the key: names an agent's session. */
  conversation?: string;
  /** A face's notes, to answer in its own words later. */
  meta?: Record<string, string>;
  /** The face's own idempotency key (A2A's message id); without it, the request's `Idempotency-Key`. */
  idempotencyKey?: string;
}

/**
 * Submits a background execution for the principal: `Idempotency-Key` from the request
 * (a retry returns the same execution, a different body under the key is 409).
 */
export async function submitExecution(context: GatewayContext, principal: Principal, request: Pick<Request, "header">, input: SubmitInput) {
  requireDefinition(principal, input.name);
  const key = input.idempotencyKey ?? request.header("idempotency-key")?.trim();
  if (key !== undefined && (key === "" || key.length > executionLimits.idempotencyKeyChars)) {
    throw new AppError("invalid_request", `Idempotency-Key must be 1 to ${executionLimits.idempotencyKeyChars} characters`, {
      param: "Idempotency-Key",
    });
  }
  const submission = {
    id: `exe_${randomBytes(12).toString("hex")}`,
    kind: input.kind,
    name: input.name,
    inputs: input.inputs,
    owner: principal.keyId,
    ...(key ? { idempotencyKey: key } : {}),
    ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}),
    ...(input.conversation ? { conversation: input.conversation } : {}),
    ...(input.meta ? { meta: input.meta } : {}),
  };
  // The same submission (same id) again when the executor that took it was lost before it answered:
  // the queue and the record deduplicate by id. Each try is short; all of them stay within the request timeout.
  const deadline = Date.now() + context.config.GATEWAY_REQUEST_TIMEOUT_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await context.call(endpoints.executionSubmit, submission, {
        timeoutMs: Math.max(100, Math.min(submitAttemptMs, deadline - Date.now())),
      });
    } catch (error) {
      const retry =
        error instanceof AppError && (error.code === "timeout" || error.code === "unavailable") && isConnected(context.bus.nats);
      if (!retry || Date.now() + 50 >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * attempt, 250)));
    }
  }
}

/** How long one try of a submission waits for its executor. */
const submitAttemptMs = 2000;

/** Splits `callback_url` off a run body. */
export function splitCallback(body: Record<string, unknown>): { inputs: Record<string, unknown>; callbackUrl?: string } {
  const { [callbackField]: callback, ...inputs } = body;
  if (callback === undefined || callback === null) return { inputs };
  if (typeof callback !== "string") throw new AppError("invalid_request", "callback_url must be a URL", { param: callbackField });
  return { inputs, callbackUrl: callback };
}

/** Answers 202 with the execution and where to find it. */
export function accepted(response: Response, reply: { execution: Execution; replayed: boolean }, body: unknown = reply.execution) {
  response.setHeader("location", `/v1/executions/${reply.execution.id}`);
  if (reply.replayed) response.setHeader("idempotent-replayed", "true");
  response.status(202).json(body);
}

/**
 * Streams an execution's events as SSE (`id:` the stream sequence, `event:` the type), from
 * the start or after `Last-Event-ID`, live until the execution is final.
 */
export async function streamExecutionEvents(context: GatewayContext, request: Request, response: Response, id: string): Promise<void> {
  const lastEventId = request.header("last-event-id");
  const after = lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined;
  const controller = new AbortController();
  response.once("close", () => controller.abort());
  const stream: EventStream = eventStream(response);
  stream.open();
  response.write(": execution events\n\n");
  await followExecutionEvents(context.bus.nats, context.bus.subjects, id, {
    ...(after === undefined ? {} : { after }),
    signal: controller.signal,
    onIdle: () => response.write(": keep-alive\n\n"),
    finalFromRecord: async () => {
      const record = await context.call(endpoints.executionGet, { id });
      return finalStatuses.includes(record.status) ? finalEventOf(record) : undefined;
    },
    onEvent: async (seq, event) => {
      if (
        !stream.send({ ...(seq > 0 ? { id: String(seq) } : {}), event: event.type === "status" ? event.status : event.type, data: event })
      ) {
        await stream.drained();
      }
    },
  });
  response.end();
}
