import type { DefinitionKind } from "@switchyard/contracts";
import type { Request, Response } from "express";
import type { GatewayContext } from "../context.ts";
import { CreatePipelineBody, jsonObjectBody } from "./schemas.ts";

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
  const body = typeof request.body === "string" ? { source: request.body } : CreatePipelineBody.parse(jsonObjectBody(request));
  const overwrite = nameFromPath !== undefined || ("overwrite" in body && body.overwrite === true) || request.query.overwrite === "true";
  const deployed = await context.registry.deploy({
    kind,
    name: nameFromPath ?? ("name" in body ? body.name : undefined),
    source: "definition" in body && body.definition ? JSON.stringify(body.definition) : (body.source ?? ""),
    overwrite,
    description: "description" in body ? body.description : undefined,
  });
  response.status(nameFromPath ? 200 : 201).json(deployed);
}
