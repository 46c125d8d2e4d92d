import type { Request, Response } from "express";
import { principalOf } from "../access/middleware.ts";
import { requireDefinition } from "../access/permissions.ts";
import type { GatewayContext } from "../context.ts";
import { jsonObjectBody, nameParam, RunBody } from "./body.ts";
import { isMultipart, multipartInputs } from "./multipart.ts";
import { runControl } from "./run-control.ts";

/** A run's inputs: the JSON body, or a multipart form's fields and text files (`curl -F`). */
export async function runInputs(context: GatewayContext, request: Request): Promise<Record<string, unknown>> {
  if (!isMultipart(request)) return RunBody.parse(jsonObjectBody(request));
  const { GATEWAY_UPLOAD_MAX_FILE_BYTES, GATEWAY_UPLOAD_MAX_BYTES, GATEWAY_UPLOAD_MAX_PARTS } = context.config;
  return multipartInputs(request, {
    fileBytes: GATEWAY_UPLOAD_MAX_FILE_BYTES,
    totalBytes: GATEWAY_UPLOAD_MAX_BYTES,
    parts: GATEWAY_UPLOAD_MAX_PARTS,
  });
}

/** Runs the definition the path names with the request's inputs (JSON or multipart); the client going away cancels the run. */
export async function runForRequest(
  context: GatewayContext,
  request: Request,
  response: Response,
  kind?: "pipeline",
): Promise<Record<string, unknown>> {
  const name = nameParam(request);
  requireDefinition(principalOf(request), name);
  const inputs = await runInputs(context, request);
  const { outputs, executor } = await context.runs.run(name, inputs, {
    deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
    ...runControl(response),
    ...(kind ? { kind } : {}),
  });
  response.setHeader("x-switchyard-executor", executor);
  return outputs;
}
