import { endpoints } from "@switchyard/contracts";
import { inputsJsonSchema, PipelineDefinition } from "@switchyard/definitions";
import { Router } from "express";
import type { GatewayContext } from "../../context.ts";
import { nameParam, PageQuery } from "../../http/body.ts";
import { runForRequest } from "../../http/run-request.ts";
import { deployFromRequest } from "./deploy-body.ts";

/** Native `/v1/pipelines` routes. */
export function pipelineRoutes(context: GatewayContext): Router {
  const router = Router();

  router.get("/", async (request, response) => {
    const { limit, offset } = PageQuery.parse(request.query);
    response.json(await context.call(endpoints.registryList, { limit, offset, kind: "pipeline" }));
  });

  router.post("/", (request, response) => deployFromRequest(context, request, response, "pipeline"));
  router.put("/:name", (request, response) => deployFromRequest(context, request, response, "pipeline", nameParam(request)));

  router.get("/:name", async (request, response) => {
    const record = await context.call(endpoints.registryGet, { name: nameParam(request), kind: "pipeline" });
    const definition = PipelineDefinition.parse(record.definition);
    response.json({ ...record, inputs_schema: inputsJsonSchema(definition), endpoint: `/${record.name}/run` });
  });

  router.delete("/:name", async (request, response) => {
    await context.call(endpoints.registryUndeploy, { name: nameParam(request), kind: "pipeline" });
    response.status(204).end();
  });

  router.post("/:name/run", async (request, response) => {
    response.json({ result: await runForRequest(context, request, response, "pipeline") });
  });

  return router;
}
