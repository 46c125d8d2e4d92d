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

/** The parts of AG-UI's RunAgentInput this server uses; the rest is accepted as it is. */
const RunAgentInput = z.looseObject({
  threadId: z.string().max(256),
  runId: z.string().max(256),
  messages: z
    .array(z.looseObject({ id: z.string().optional(), role: z.string(), content: z.unknown().optional() }))
    .max(4096)
    .default([]),
});

/** AG-UI: runs an agent and streams its turn as AG-UI events. */
async function runAgUi(context: GatewayContext, request: Request, response: Response): Promise<void> {
  const name = nameParam(request);
  requireDefinition(principalOf(request), name);
  const input = RunAgentInput.parse(jsonObjectBody(request));
  const encoder = await agUiEncoder({ threadId: input.threadId, runId: input.runId }, request.header("accept") ?? "text/event-stream");
  const control = runControl(response);
  // The thread names the agent's session (per key), and the client's messages are the conversation.
  const chat = {
    ...(chatTurnOf(input.messages) ?? { message: "" }),
    conversation: `${principalOf(request).keyId}:ag-ui:${input.threadId}`,
  };
  await streamRun(response, encoder, (streamed) =>
    context.runs.run(name, {}, { deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS, ...control, kind: "agent", chat, ...streamed }),
  );
}

export function agUiRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);
  router.post("/:name", "runs.invoke", (request, response) => runAgUi(context, request, response));
  return router.router;
}
