import { DefinitionName, definitionLimits, endpoints, wrapperEntryOf, wrapperFileNames } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Router } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { allDefinitions } from "../../core/listing.ts";
import { jsonObjectBody, nameParam, RunBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { runForRequest } from "../../http/run-request.ts";

/** Hayhooks `POST /deploy-yaml`. */
const DeployYamlBody = z.object({
  name: DefinitionName,
  source_code: z.string().min(1).max(definitionLimits.sourceBytes),
  overwrite: z.boolean().default(false),
  description: z.string().max(4096).optional(),
});

/** Hayhooks `POST /deploy_files`: a `pipeline_wrapper.ts` (or .js/.mjs: a code pipeline) or `pipeline.yaml` (or .yml/.json) among the files. */
const DeployFilesBody = z.object({
  name: DefinitionName,
  files: z.record(z.string().max(256), z.string().max(definitionLimits.sourceBytes)),
  overwrite: z.boolean().default(false),
  save_files: z.boolean().default(true),
});

const definitionFileNames = ["pipeline.yaml", "pipeline.yml", "pipeline.json"];

/** Hayhooks' deploy reply (`status`, `message`) with what its clients also read (`name`, `success`, `endpoint`). */
const deployedReply = (name: string) => ({
  status: "success",
  message: `Pipeline '${name}' deployed successfully`,
  name,
  success: true,
  endpoint: `/${name}/run`,
});

/** Hayhooks-compatible routes at the root: same paths and shapes. */
export function hayhooksRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);

  router.post(
    "/deploy-yaml",
    "definitions.deploy",
    async (request, response) => {
      const body = DeployYamlBody.parse(jsonObjectBody(request));
      requireDefinition(principalOf(request), body.name);
      const deployed = await context.call(endpoints.registryDeploy, {
        name: body.name,
        source: body.source_code,
        overwrite: body.overwrite,
        description: body.description,
      });
      audit(context, request, response, "definition.deploy", deployed.name);
      response.json(deployedReply(deployed.name));
    },
    { summary: "Deploy a pipeline from its YAML (Hayhooks)", body: DeployYamlBody },
  );

  router.post(
    "/deploy_files",
    "definitions.deploy",
    async (request, response) => {
      const body = DeployFilesBody.parse(jsonObjectBody(request));
      requireDefinition(principalOf(request), body.name);
      const wrapper = wrapperEntryOf(body.files);
      const definitionFile = wrapper ?? definitionFileNames.find((file) => Object.hasOwn(body.files, file));
      if (!definitionFile) {
        const names = [...wrapperFileNames, ...definitionFileNames].join(", ");
        throw new AppError("invalid_definition", `files must include one of ${names}`, { param: "files" });
      }
      const deployed = await context.call(endpoints.registryDeploy, {
        name: body.name,
        source: body.files[definitionFile] ?? "",
        overwrite: body.overwrite,
        // A wrapper's modules are part of it; a YAML pipeline's other files are kept only when asked.
        ...(wrapper ? { entry: wrapper, files: body.files } : body.save_files ? { files: body.files } : {}),
      });
      audit(context, request, response, "definition.deploy", deployed.name);
      response.json(deployedReply(deployed.name));
    },
    { summary: "Deploy a pipeline from its files (Hayhooks)", body: DeployFilesBody },
  );

  router.post("/undeploy/:name", "definitions.deploy", async (request, response) => {
    const name = nameParam(request);
    requireDefinition(principalOf(request), name);
    const removed = await context.call(endpoints.registryUndeploy, { name });
    audit(context, request, response, "definition.undeploy", removed.name);
    response.json({ status: "success", message: `Pipeline '${removed.name}' undeployed successfully`, success: true, name: removed.name });
  });

  router.get("/status", "definitions.read", async (request, response) => {
    const definitions = await allDefinitions(context, principalOf(request));
    response.json({ status: "Up!", pipelines: definitions.map((definition) => definition.name) });
  });

  router.get("/status/:name", "definitions.read", async (request, response) => {
    const name = nameParam(request);
    requireDefinition(principalOf(request), name);
    const record = await context.call(endpoints.registryGet, { name });
    response.json({ status: "Up!", pipeline: record.name });
  });

  router.post(
    "/:name/run",
    "runs.invoke",
    async (request, response) => {
      response.json({ result: await runForRequest(context, request, response) });
    },
    // Each deployed pipeline's own `/{name}/run` in the document has its inputs' schema; this is the generic one.
    { summary: "Run a pipeline (its inputs as JSON or a multipart form)", body: RunBody },
  );

  return router.router;
}
