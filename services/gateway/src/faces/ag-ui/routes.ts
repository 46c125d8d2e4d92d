import type { Request, Response, Router } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody, nameParam } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { runControl } from "../../http/run-control.ts";
import { streamRun } from "../../streaming/streamed-run.ts";
import { chatTurnOf } from "../openai/format.ts";
import { agUiEncoder } from "./encoder.ts";

const Messages = z
  .array(z.looseObject({ id: z.string().optional(), role: z.string(), content: z.unknown().optional() }))
  .max(4096)
  .default([]);
/** The parts of AG-UI's RunAgentInput this server uses (the official client's camelCase); the rest is accepted as it is. */
const RunAgentInput = z.looseObject({ threadId: z.string().max(256), runId: z.string().max(256), messages: Messages });
/** The same in agent-runtimes' snake_case (`thread_id`, `run_id`), as its clients send it; camelCase is taken too. */
export const SnakeRunAgentInput = z
  .looseObject({
    thread_id: z.string().max(256).optional(),
    run_id: z.string().max(256).optional(),
    threadId: z.string().max(256).optional(),
    runId: z.string().max(256).optional(),
    messages: Messages,
  })
  .transform((input, context) => {
    const threadId = input.thread_id ?? input.threadId;
    const runId = input.run_id ?? input.runId;
    if (threadId === undefined || runId === undefined) {
      context.addIssue({
        code: "custom",
        message: "thread_id and run_id are required",
        path: [threadId === undefined ? "thread_id" : "run_id"],
      });
      return z.NEVER;
    }
    return { threadId, runId, messages: input.messages };
  });
export type AgUiRun = z.infer<typeof RunAgentInput>;

export interface AgUiOptions {
  /** Send `event:` lines (agent-runtimes' streams). */
  named?: boolean;
  /** Aborts the run early (agent-runtimes' `/ag-ui/terminate`). */
  signal?: AbortSignal;
}

/** AG-UI: runs an agent and streams its turn as AG-UI events. */
export async function runAgUi(
  context: GatewayContext,
  request: Request,
  response: Response,
  input: AgUiRun,
  options: AgUiOptions = {},
): Promise<void> {
  const name = nameParam(request);
  requireDefinition(principalOf(request), name);
  const encoder = await agUiEncoder(
    { threadId: input.threadId, runId: input.runId },
    request.header("accept") ?? "text/event-stream",
    options.named,
  );
  const control = runControl(response);
  const signal = options.signal ? AbortSignal.any([control.signal, options.signal]) : control.signal;
  // The thread names the agent's session (per key), and the client's messages are the conversation.
  const chat = {
    ...(chatTurnOf(input.messages) ?? { message: "" }),
    conversation: `${principalOf(request).keyId}:ag-ui:${input.threadId}`,
  };
  await streamRun(response, encoder, (streamed) =>
    context.runs.run(name, {}, { deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS, ...control, signal, kind: "agent", chat, ...streamed }),
  );
}

export function agUiRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);
  router.post(
    "/:name",
    "runs.invoke",
    (request, response) => runAgUi(context, request, response, RunAgentInput.parse(jsonObjectBody(request))),
    { summary: "Run an agent over AG-UI, streamed as SSE", body: RunAgentInput },
  );
  return router.router;
}
