import { DefinitionName, definitionLimits, endpoints } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { Router } from "express";
import { z } from "zod";
import type { GatewayContext } from "../../context.ts";
import { allDefinitions } from "../../core/listing.ts";
import { jsonObjectBody, nameParam } from "../../http/body.ts";
import { runForRequest } from "../../http/run-request.ts";

/** Hayhooks `POST /deploy-yaml`. */
const DeployYamlBody = z.object({
  name: DefinitionName,
  source_code: z.string().min(1).max(definitionLimits.sourceBytes),
  overwrite: z.boolean().default(false),
  description: z.string().max(4096).optional(),
});

/** Hayhooks `POST /deploy_files`: the definition is `pipeline.yaml` (or .yml/.json) among the files. */
const DeployFilesBody = z.object({
  name: DefinitionName,
  files: z.record(z.string().max(256), z.string().max(definitionLimits.sourceBytes)),
  overwrite: z.boolean().default(false),
  save_files: z.boolean().default(true),
});

const definitionFileNames = ["pipeline.yaml", "pipeline.yml", "pipeline.json"];

/** Hayhooks-compatible routes at the root: same paths and shapes. */
export function hayhooksRoutes(context: GatewayContext): Router {
  const router = Router();

  router.post("/deploy-yaml", async (request, response) => {
    const body = DeployYamlBody.parse(jsonObjectBody(request));
    const deployed = await context.call(endpoints.registryDeploy, {
      name: body.name,
      source: body.source_code,
      overwrite: body.overwrite,
      description: body.description,
    });
    response.json({ name: deployed.name, success: true, endpoint: `/${deployed.name}/run` });
  });

  router.post("/deploy_files", async (request, response) => {
    const body = DeployFilesBody.parse(jsonObjectBody(request));
    const definitionFile = definitionFileNames.find((file) => file in body.files);
    if (!definitionFile) {
      throw new AppError("invalid_definition", `files must include one of ${definitionFileNames.join(", ")}`, { param: "files" });
    }
    const deployed = await context.call(endpoints.registryDeploy, {
      name: body.name,
      source: body.files[definitionFile] ?? "",
      overwrite: body.overwrite,
      ...(body.save_files ? { files: body.files } : {}),
    });
    response.json({ name: deployed.name, success: true, endpoint: `/${deployed.name}/run` });
  });

  router.post("/undeploy/:name", async (request, response) => {
    const removed = await context.call(endpoints.registryUndeploy, { name: nameParam(request) });
    response.json({ success: true, name: removed.name });
  });

  router.get("/status", async (_request, response) => {
    response.json({ status: "Up!", pipelines: (await allDefinitions(context)).map((definition) => definition.name) });
  });

  router.get("/status/:name", async (request, response) => {
    const record = await context.call(endpoints.registryGet, { name: nameParam(request) });
    response.json({ status: "Up!", pipeline: record.name });
  });

  router.post("/:name/run", async (request, response) => {
    response.json({ result: await runForRequest(context, request, response) });
  });

  return router;
}
