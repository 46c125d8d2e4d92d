import { DefinitionName, definitionLimits } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";

/** Hayhooks `POST /deploy-yaml`. */
export const DeployYamlBody = z.object({
  name: DefinitionName,
  source_code: z.string().min(1).max(definitionLimits.sourceBytes),
  overwrite: z.boolean().default(false),
  description: z.string().max(4096).optional(),
});

/** Hayhooks `POST /deploy_files`: the definition is `pipeline.yaml` (or .yml/.json) among the files. */
export const DeployFilesBody = z.object({
  name: DefinitionName,
  files: z.record(z.string().max(256), z.string().max(definitionLimits.sourceBytes)),
  overwrite: z.boolean().default(false),
  save_files: z.boolean().default(true),
});

/** Native `POST /v1/pipelines`: YAML/JSON source, or the definition as a JSON object. */
export const CreatePipelineBody = z
  .object({
    name: DefinitionName.optional(),
    source: z.string().min(1).max(definitionLimits.sourceBytes).optional(),
    definition: z.record(z.string(), z.unknown()).optional(),
    overwrite: z.boolean().default(false),
    description: z.string().max(4096).optional(),
  })
  .refine((body) => (body.source === undefined) !== (body.definition === undefined), "give exactly one of 'source' or 'definition'");

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

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
