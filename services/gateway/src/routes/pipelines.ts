import { inputsJsonSchema, PipelineDefinition } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import { type Request, type Response, Router } from "express";
import type { GatewayContext } from "../context.ts";
import { abortOnClose } from "./client-gone.ts";
import { deployFromRequest } from "./deploy-body.ts";
import { allDefinitions } from "./listing.ts";
import { DeployFilesBody, DeployYamlBody, jsonObjectBody, nameParam, PageQuery, RunBody } from "./schemas.ts";

const definitionFileNames = ["pipeline.yaml", "pipeline.yml", "pipeline.json"];

/** Runs a pipeline for an HTTP request; the client going away cancels the run. */
async function runForRequest(context: GatewayContext, request: Request, response: Response, kind?: "pipeline") {
  const name = nameParam(request);
  const inputs = RunBody.parse(jsonObjectBody(request));
  const { outputs, executor } = await context.runs.run(name, inputs, {
    deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
    signal: abortOnClose(response),
    ...(kind ? { kind } : {}),
  });
  response.setHeader("x-switchyard-executor", executor);
  return outputs;
}

/** Hayhooks-compatible routes: same paths and shapes. */
export function hayhooksRoutes(context: GatewayContext): Router {
  const router = Router();

  router.post("/deploy-yaml", async (request, response) => {
    const body = DeployYamlBody.parse(jsonObjectBody(request));
    const deployed = await context.registry.deploy({
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
    const deployed = await context.registry.deploy({
      name: body.name,
      source: body.files[definitionFile] ?? "",
      overwrite: body.overwrite,
      ...(body.save_files ? { files: body.files } : {}),
    });
    response.json({ name: deployed.name, success: true, endpoint: `/${deployed.name}/run` });
  });

  router.post("/undeploy/:name", async (request, response) => {
    const removed = await context.registry.undeploy(nameParam(request));
    response.json({ success: true, name: removed.name });
  });

  router.get("/status", async (_request, response) => {
    response.json({ status: "Up!", pipelines: (await allDefinitions(context)).map((definition) => definition.name) });
  });

  router.get("/status/:name", async (request, response) => {
    const record = await context.registry.get(nameParam(request));
    response.json({ status: "Up!", pipeline: record.name });
  });

  router.post("/:name/run", async (request, response) => {
    response.json({ result: await runForRequest(context, request, response) });
  });

  return router;
}

/** Native `/v1/pipelines` routes. */
export function pipelineRoutes(context: GatewayContext): Router {
  const router = Router();

  router.get("/", async (request, response) => {
    const { limit, offset } = PageQuery.parse(request.query);
    response.json(await context.registry.list(limit, offset, "pipeline"));
  });

  router.post("/", (request, response) => deployFromRequest(context, request, response, "pipeline"));
  router.put("/:name", (request, response) => deployFromRequest(context, request, response, "pipeline", nameParam(request)));

  router.get("/:name", async (request, response) => {
    const record = await context.registry.get(nameParam(request), "pipeline");
    const definition = PipelineDefinition.parse(record.definition);
    response.json({ ...record, inputs_schema: inputsJsonSchema(definition), endpoint: `/${record.name}/run` });
  });

  router.delete("/:name", async (request, response) => {
    await context.registry.undeploy(nameParam(request), "pipeline");
    response.status(204).end();
  });

  router.post("/:name/run", async (request, response) => {
    response.json({ result: await runForRequest(context, request, response, "pipeline") });
  });

  return router;
}
