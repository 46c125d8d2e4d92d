import { DefinitionName } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A run's inputs: a flat JSON object (names are checked against the definition by the executor). */
export const RunBody = z.record(z.string(), z.unknown());

/** A JSON object body, or a clear error when the client sent something else. */
export function jsonObjectBody(request: Request): unknown {
  if (request.body === undefined) {
    throw new AppError("unsupported_media_type", "expected a JSON body (Content-Type: application/json)");
  }
  return request.body;
}

/** A path name that is not a valid definition name cannot be deployed, so it is simply not found. */
export function nameParam(request: Request): string {
  const result = DefinitionName.safeParse(request.params.name);
  if (!result.success) throw new AppError("not_found", `'${String(request.params.name)}' is not deployed`);
  return result.data;
}
