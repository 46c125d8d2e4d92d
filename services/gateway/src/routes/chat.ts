import { randomBytes } from "node:crypto";
import type { Usage } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { type Request, type Response, Router } from "express";
import type { GatewayContext } from "../context.ts";
import { errorBody } from "../http-errors.ts";
import type { StreamedEvent } from "../run-client.ts";
import { abortOnClose } from "./client-gone.ts";
import { eventStream } from "./event-stream.ts";
import { allDefinitions } from "./listing.ts";
import { ChatCompletionRequest, type CompletionIdentity, chunk, completion, lastUserText, usageChunk } from "./openai-format.ts";
import { jsonObjectBody } from "./schemas.ts";

const emptyUsage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

async function chatCompletion(context: GatewayContext, request: Request, response: Response, modelFromPath?: string) {
  const raw = jsonObjectBody(request);
  const body = ChatCompletionRequest.parse(
    modelFromPath && typeof raw === "object" && raw !== null ? { ...raw, model: modelFromPath } : raw,
  );
  const message = lastUserText(body.messages);
  if (message === undefined) throw new AppError("invalid_request", "messages must include a user message", { param: "messages" });
  const identity: CompletionIdentity = {
    id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
  };
  const chat = {
    message,
    ...(body.tools ? { tools: body.tools } : {}),
    ...(body.tool_choice === undefined ? {} : { tool_choice: body.tool_choice }),
  };
  const runOptions = { deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS, signal: abortOnClose(response), chat };

  if (!body.stream) {
    const result = await context.runs.run(body.model, {}, runOptions);
    const answer = result.chat;
    if (!answer) throw new AppError("internal", "the run ended without a chat answer");
    response.setHeader("x-switchyard-executor", result.executor);
    response.json(completion(identity, answer.text, answer.finish_reason, answer.usage, answer.tool_calls ?? []));
    return;
  }

  let streamedText = false;
  const sse = eventStream(response);
  const write = (value: unknown) => sse.send(value);
  const start = () => {
    if (!sse.started) write(chunk(identity, { role: "assistant", content: "" }));
  };
  const onEvent = (event: StreamedEvent): boolean => {
    start();
    if (event.type === "delta") {
      streamedText = true;
      return write(chunk(identity, { content: event.text }));
    }
    // An agent's tool results have no place in OpenAI's chunk format: they ride along as an extra field.
    if (event.type === "tool_result") {
      const { id, name, content, is_error } = event;
      return write({ ...chunk(identity, {}), tool_result: { tool_call_id: id, name, content, is_error } });
    }
    const call = {
      index: event.index,
      ...(event.id ? { id: event.id, type: "function" } : {}),
      function: { ...(event.name ? { name: event.name } : {}), ...(event.arguments ? { arguments: event.arguments } : {}) },
    };
    return write(chunk(identity, { tool_calls: [call] }));
  };
  let result: Awaited<ReturnType<GatewayContext["runs"]["run"]>>;
  try {
    result = await context.runs.run(
      body.model,
      {},
      {
        ...runOptions,
        stream: { onEvent, drained: sse.drained },
        onAccepted: (executor) => response.setHeader("x-switchyard-executor", executor),
      },
    );
  } catch (error) {
    // Before the first byte the client gets a proper HTTP error; after it, an in-band error and no [DONE].
    if (!sse.started) throw error;
    if (!response.destroyed) {
      write(errorBody(toAppError(error)));
      response.end();
    }
    return;
  }
  start();
  const answer = result.chat;
  if (answer && !streamedText && answer.text) write(chunk(identity, { content: answer.text }));
  write(chunk(identity, {}, answer?.finish_reason ?? "stop"));
  if (body.stream_options?.include_usage) write(usageChunk(identity, answer?.usage ?? emptyUsage));
  response.end("data: [DONE]\n\n");
}

/** OpenAI-compatible routes: models and chat completions (also un-prefixed, and Hayhooks' `/{name}/chat`). */
export function chatRoutes(context: GatewayContext): Router {
  const router = Router();

  const listModels = async (_request: Request, response: Response) => {
    const definitions = await allDefinitions(context);
    response.json({
      object: "list",
      data: definitions
        .filter((definition) => definition.chat)
        .map((definition) => ({
          id: definition.name,
          object: "model",
          created: Math.floor(Date.parse(definition.deployedAt) / 1000),
          owned_by: "switchyard",
        })),
    });
  };
  router.get(["/v1/models", "/models"], listModels);

  router.post(["/v1/chat/completions", "/chat/completions"], (request, response) => chatCompletion(context, request, response));
  router.post("/:name/chat", (request, response) => chatCompletion(context, request, response, String(request.params.name)));
  return router;
}
