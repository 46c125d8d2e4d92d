import { randomUUID } from "node:crypto";
import { AppError, toAppError } from "@switchyard/errors";
import type { Request, Response, Router } from "express";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { allDefinitions } from "../../core/listing.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { runControl } from "../../http/run-control.ts";
import { streamRun } from "../../streaming/streamed-run.ts";
import { chatStreamEncoder } from "./encoder.ts";
import { ChatCompletionRequest, type CompletionIdentity, chatTurnOf, completion } from "./format.ts";

/** OpenAI's wording for a model nobody deployed, so its clients show the familiar message. */
function openAiError(error: unknown, model: string, accepted: boolean): AppError {
  const appError = toAppError(error);
  if (accepted || appError.code !== "not_found") return appError;
  return new AppError("not_found", `The model '${model}' does not exist`, { param: "model" });
}

async function chatCompletion(context: GatewayContext, request: Request, response: Response, modelFromPath?: string) {
  const raw = jsonObjectBody(request);
  const body = ChatCompletionRequest.parse(
    modelFromPath && typeof raw === "object" && raw !== null ? { ...raw, model: modelFromPath } : raw,
  );
  requireDefinition(principalOf(request), body.model);
  const turn = chatTurnOf(body.messages);
  if (turn === undefined) throw new AppError("invalid_request", "messages must include a user message", { param: "messages" });
  const identity: CompletionIdentity = {
    // randomUUID draws from a cached pool; randomBytes asks the system for entropy on every call.
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
  };
  // Open WebUI's conversation id names an agent's session (per key), so the conversation carries on.
  const conversation = typeof raw === "object" && raw !== null && "chat_id" in raw && typeof raw.chat_id === "string" ? raw.chat_id : "";
  const chat = {
    ...turn,
    ...(conversation && conversation.length <= 256 ? { conversation: `${principalOf(request).keyId}:openwebui:${conversation}` } : {}),
    ...(body.tools ? { tools: body.tools } : {}),
    ...(body.tool_choice === undefined ? {} : { tool_choice: body.tool_choice }),
  };
  let accepted = false;
  const runOptions = {
    deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
    ...runControl(response),
    chat,
    onAccepted: () => {
      accepted = true;
    },
  };
  try {
    if (!body.stream) {
      const result = await context.runs.run(body.model, {}, runOptions);
      const answer = result.chat;
      if (!answer) throw new AppError("internal", "the run ended without a chat answer");
      response.setHeader("x-switchyard-executor", result.executor);
      response.json(completion(identity, answer.text, answer.finish_reason, answer.usage, answer.tool_calls ?? []));
      return;
    }
    await streamRun(response, chatStreamEncoder(identity, body.stream_options?.include_usage === true), (streamed) =>
      context.runs.run(
        body.model,
        {},
        {
          ...runOptions,
          stream: streamed.stream,
          onAccepted: (executor) => {
            accepted = true;
            streamed.onAccepted(executor);
          },
        },
      ),
    );
  } catch (error) {
    throw openAiError(error, body.model, accepted);
  }
}

/** OpenAI-compatible routes: models and chat completions (also un-prefixed, and Hayhooks' `/{name}/chat`). */
export function openAiRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);

  const listModels = async (request: Request, response: Response) => {
    const definitions = await allDefinitions(context, principalOf(request));
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
  router.get(["/v1/models", "/models"], "definitions.read", listModels);

  router.post(
    ["/v1/chat/completions", "/chat/completions"],
    "runs.invoke",
    (request, response) => chatCompletion(context, request, response),
    {
      summary: "Create a chat completion (OpenAI)",
      body: ChatCompletionRequest,
    },
  );
  // The path names the model: one in the body is replaced by it.
  router.post(
    "/:name/chat",
    "runs.invoke",
    (request, response) => chatCompletion(context, request, response, String(request.params.name)),
    {
      summary: "Chat with a pipeline or agent (Hayhooks' OpenAI route)",
      body: ChatCompletionRequest,
    },
  );
  return router.router;
}
