import type { Request, Response } from "express";
import type { GatewayContext } from "../context.ts";
import { jsonObjectBody, nameParam, RunBody } from "./body.ts";
import { abortOnClose } from "./client-gone.ts";

/** Runs the definition the path names with the JSON body as its inputs; the client going away cancels the run. */
export async function runForRequest(
  context: GatewayContext,
  request: Request,
  response: Response,
  kind?: "pipeline",
): Promise<Record<string, unknown>> {
  const { outputs, executor } = await context.runs.run(nameParam(request), RunBody.parse(jsonObjectBody(request)), {
    deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
    signal: abortOnClose(response),
    ...(kind ? { kind } : {}),
  });
  response.setHeader("x-switchyard-executor", executor);
  return outputs;
}
