import type { Request, Response } from "express";
import { principalOf } from "../access/middleware.ts";
import { requireDefinition } from "../access/permissions.ts";
import type { GatewayContext } from "../context.ts";
import { jsonObjectBody, nameParam, RunBody } from "./body.ts";
import { runControl } from "./run-control.ts";

/** Runs the definition the path names with the JSON body as its inputs; the client going away cancels the run. */
export async function runForRequest(
  context: GatewayContext,
  request: Request,
  response: Response,
  kind?: "pipeline",
): Promise<Record<string, unknown>> {
  const name = nameParam(request);
  requireDefinition(principalOf(request), name);
  const { outputs, executor } = await context.runs.run(name, RunBody.parse(jsonObjectBody(request)), {
    deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
    ...runControl(response),
    ...(kind ? { kind } : {}),
  });
  response.setHeader("x-switchyard-executor", executor);
  return outputs;
}
