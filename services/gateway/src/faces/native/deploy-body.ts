import { type DefinitionKind, DefinitionName, definitionLimits, endpoints, wrapperEntryOf, wrapperFileNames } from "@switchyard/contracts";
import { declaredName } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import type { Request, Response } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody } from "../../http/body.ts";

/** Native `POST /v1/pipelines` and `/v1/agents`: YAML/JSON source, the definition as a JSON object, or a code pipeline's files. */
export const CreateDefinitionBody = z
  .object({
    name: DefinitionName.optional(),
    source: z.string().min(1).max(definitionLimits.sourceBytes).optional(),
    definition: z.record(z.string(), z.unknown()).optional(),
    /** A code pipeline: `pipeline_wrapper.ts` (or .js/.mjs) and the modules it imports, by path. */
    files: z.record(z.string().max(256), z.string().max(definitionLimits.sourceBytes)).optional(),
    overwrite: z.boolean().default(false),
    description: z.string().max(4096).optional(),
  })
  .refine(
    (body) => [body.source, body.definition, body.files].filter((given) => given !== undefined).length === 1,
    "give exactly one of 'source', 'definition' or 'files'",
  );

/** A code pipeline from its files (`{name, files, overwrite?, description?}`), deployed as `deploy_files` does. */
async function deployCode(
  context: GatewayContext,
  request: Request,
  response: Response,
  kind: DefinitionKind,
  files: Record<string, string>,
  body: { name?: string | undefined; overwrite: boolean; description?: string | undefined; nameFromPath?: string | undefined },
): Promise<void> {
  const entry = wrapperEntryOf(files);
  if (!entry) throw new AppError("invalid_definition", `files must include one of ${wrapperFileNames.join(", ")}`, { param: "files" });
  const name = body.nameFromPath ?? body.name;
  if (!name) throw new AppError("invalid_input", "a code pipeline needs a 'name'", { param: "name" });
  requireDefinition(principalOf(request), name);
  const deployed = await context.call(endpoints.registryDeploy, {
    kind,
    name,
    source: files[entry] ?? "",
    entry,
    files,
    overwrite: body.nameFromPath !== undefined || body.overwrite || request.query.overwrite === "true",
    description: body.description,
  });
  audit(context, request, response, "definition.deploy", deployed.name);
  response.status(body.nameFromPath ? 200 : 201).json(deployed);
}

/**
 * The native deploy of `/v1/pipelines` and `/v1/agents`: a raw YAML body or JSON
 * `{source | definition, name?, overwrite?, description?}`. POST creates (201; `overwrite`
 * in the body or `?overwrite=true` replaces), PUT deploys under the path's name (200).
 */
export async function deployFromRequest(
  context: GatewayContext,
  request: Request,
  response: Response,
  kind: DefinitionKind,
  nameFromPath?: string,
): Promise<void> {
  const body = typeof request.body === "string" ? { source: request.body } : CreateDefinitionBody.parse(jsonObjectBody(request));
  if ("files" in body && body.files) return deployCode(context, request, response, kind, body.files, { ...body, nameFromPath });
  const overwrite = nameFromPath !== undefined || ("overwrite" in body && body.overwrite === true) || request.query.overwrite === "true";
  const name = nameFromPath ?? ("name" in body ? body.name : undefined);
  const source = "definition" in body && body.definition ? JSON.stringify(body.definition) : (body.source ?? "");
  // A scoped key may deploy only names in its scope: the name the source declares, when none is given.
  const principal = principalOf(request);
  if (principal.scopes.definitions !== undefined) requireDefinition(principal, declaredName(source, name) ?? "");
  const deployed = await context.call(endpoints.registryDeploy, {
    kind,
    name,
    source,
    overwrite,
    description: "description" in body ? body.description : undefined,
  });
  audit(context, request, response, "definition.deploy", deployed.name);
  response.status(nameFromPath ? 200 : 201).json(deployed);
}
