import { randomBytes } from "node:crypto";
import { AppError } from "@switchyard/errors";
import type { Request, Response } from "express";
import { principalOf } from "../access/middleware.ts";
import { requireDefinition } from "../access/permissions.ts";
import type { GatewayContext } from "../context.ts";
import { jsonObjectBody, nameParam, RunBody } from "./body.ts";
import { isMultipart, multipartInputs } from "./multipart.ts";
import { runControl } from "./run-control.ts";

interface RunInputs {
  inputs: Record<string, unknown>;
  /** Removes what the run's upload left in the object store; called when the run ends, however it ends. */
  release(): Promise<void>;
}

const nothingToRelease = async () => {};

/**
 * A run's inputs: the JSON body, or a multipart form's fields and files (`curl -F`). Text files
 * come inline; each binary file is put in the uploads object store and described by a `ref`
 * (an unguessable name) that the caller removes through `release`.
 */
export async function runInputs(context: GatewayContext, request: Request): Promise<RunInputs> {
  if (!isMultipart(request)) return { inputs: RunBody.parse(jsonObjectBody(request)), release: nothingToRelease };
  const { GATEWAY_UPLOAD_MAX_FILE_BYTES, GATEWAY_UPLOAD_MAX_BYTES, GATEWAY_UPLOAD_MAX_PARTS } = context.config;
  const form = await multipartInputs(request, {
    fileBytes: GATEWAY_UPLOAD_MAX_FILE_BYTES,
    totalBytes: GATEWAY_UPLOAD_MAX_BYTES,
    parts: GATEWAY_UPLOAD_MAX_PARTS,
  });
  if (form.binaries.length === 0) return { inputs: form.inputs, release: nothingToRelease };
  const upload = `upl_${randomBytes(16).toString("hex")}`;
  const stored: string[] = [];
  const release = async () => {
    const names = stored.splice(0);
    const removed = await Promise.allSettled(names.map((name) => context.uploads.remove(name)));
    for (const [index, outcome] of removed.entries()) {
      // The bucket's TTL takes what could not be removed now.
      if (outcome.status === "rejected") context.logger.warn({ upload: names[index], err: outcome.reason }, "upload not removed");
    }
  };
  try {
    for (const [index, part] of form.binaries.entries()) {
      const name = `${upload}.${index}`;
      await context.uploads.put(name, part.bytes);
      stored.push(name);
      part.value.ref = name;
    }
  } catch (error) {
    await release();
    throw new AppError("unavailable", "the upload could not be stored", { cause: error });
  }
  return { inputs: form.inputs, release };
}

/** Runs the definition the path names with the request's inputs (JSON or multipart); the client going away cancels the run. */
export async function runForRequest(context: GatewayContext, request: Request, response: Response, kind?: "pipeline"): Promise<unknown> {
  const name = nameParam(request);
  requireDefinition(principalOf(request), name);
  const { inputs, release } = await runInputs(context, request);
  try {
    const { outputs, returned, executor } = await context.runs.run(name, inputs, {
      deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
      ...runControl(response),
      ...(kind ? { kind } : {}),
    });
    response.setHeader("x-switchyard-executor", executor);
    // Hayhooks: a wrapper's `/run` answers `{"result": <what it returned>}`, a YAML pipeline's its outputs.
    return returned ? outputs.result : outputs;
  } finally {
    await release();
  }
}
