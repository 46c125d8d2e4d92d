import { randomUUID } from "node:crypto";
import type { BaseEvent, Event } from "@ag-ui/core";
import { toAppError } from "@switchyard/errors";
import { type Request, type Response, Router } from "express";
import { z } from "zod";
import type { GatewayContext } from "../context.ts";
import type { StreamedEvent } from "../run-client.ts";
import { abortOnClose } from "./client-gone.ts";
import { eventStream } from "./event-stream.ts";
import { lastUserText } from "./openai-format.ts";
import { jsonObjectBody, nameParam } from "./schemas.ts";

/** The parts of AG-UI's RunAgentInput this server uses; the rest is accepted as it is. */
const RunAgentInput = z.looseObject({
  threadId: z.string().max(256),
  runId: z.string().max(256),
  messages: z
    .array(z.looseObject({ id: z.string().optional(), role: z.string(), content: z.unknown().optional() }))
    .max(4096)
    .default([]),
});

/**
 * AG-UI: runs an agent and streams its turn as AG-UI events (RUN_STARTED, TEXT_MESSAGE_*,
 * TOOL_CALL_*, RUN_FINISHED or RUN_ERROR) with the official event types and encoder.
 */
async function runAgUi(context: GatewayContext, request: Request, response: Response): Promise<void> {
  const name = nameParam(request);
  const input = RunAgentInput.parse(jsonObjectBody(request));
  // Loaded on first use: a gateway nobody calls over AG-UI does not hold it in memory.
  const [{ EventType }, { EventEncoder }] = await Promise.all([import("@ag-ui/core"), import("@ag-ui/encoder")]);
  const encoder = new EventEncoder({ accept: request.header("accept") ?? "text/event-stream" });
  const sse = eventStream(response);
  const emit = (event: Event) =>
    sse.send(
      encoder
        .encode(event as BaseEvent)
        .replace(/^data: /, "")
        .trimEnd(),
    );
  const signal = abortOnClose(response);
  const { threadId, runId } = input;
  emit({ type: EventType.RUN_STARTED, threadId, runId });
  let messageId: string | undefined;
  const endMessage = () => {
    if (messageId) emit({ type: EventType.TEXT_MESSAGE_END, messageId });
    messageId = undefined;
  };
  const onEvent = (event: StreamedEvent): boolean => {
    if (event.type === "delta") {
      if (!messageId) {
        messageId = randomUUID();
        emit({ type: EventType.TEXT_MESSAGE_START, messageId, role: "assistant" });
      }
      return emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta: event.text });
    }
    endMessage();
    if (event.type === "tool_call") {
      const toolCallId = event.id ?? randomUUID();
      emit({ type: EventType.TOOL_CALL_START, toolCallId, toolCallName: event.name ?? "" });
      if (event.arguments) emit({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: event.arguments });
      return emit({ type: EventType.TOOL_CALL_END, toolCallId });
    }
    return emit({ type: EventType.TOOL_CALL_RESULT, messageId: randomUUID(), toolCallId: event.id, content: event.content, role: "tool" });
  };
  try {
    const result = await context.runs.run(
      name,
      { message: lastUserText(input.messages) ?? "" },
      {
        deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
        signal,
        kind: "agent",
        stream: { onEvent, drained: sse.drained },
      },
    );
    endMessage();
    emit({ type: EventType.RUN_FINISHED, threadId, runId, result: result.outputs });
  } catch (error) {
    endMessage();
    const appError = toAppError(error);
    emit({ type: EventType.RUN_ERROR, message: appError.message, code: appError.code });
  }
  response.end();
}

export function agUiRoutes(context: GatewayContext): Router {
  const router = Router();
  router.post("/:name", (request, response) => runAgUi(context, request, response));
  return router;
}
