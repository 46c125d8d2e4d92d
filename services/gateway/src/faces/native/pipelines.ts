import { endpoints } from "@switchyard/contracts";
import { CodeDefinition } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import type { Router } from "express";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { accepted, ownerFilter, splitCallback, submitExecution } from "../../core/executions.ts";
import { definitionsPage } from "../../core/listing.ts";
import { jsonObjectBody, nameParam, PageQuery, RunBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { isMultipart } from "../../http/multipart.ts";
import { runForRequest } from "../../http/run-request.ts";
import { agentSpecRun, runAgentSpecPipeline } from "./agentspec-run.ts";
import { CreateDefinitionBody, deployFromRequest } from "./deploy-body.ts";
import { agentSpecStatus, parseExecutionId } from "./executions.ts";

/** A code pipeline's `code` as it is shown: what it exports and how large its bundle is. */
function codeSummary(code: unknown) {
  const parsed = CodeDefinition.shape.code.safeParse(code);
  if (!parsed.success) return code;
  const { bundle, ...rest } = parsed.data;
  return { ...rest, bundle_bytes: Buffer.byteLength(bundle) };
}

/** Native `/v1/pipelines` routes (mounted at `/v1/pipelines`). */
export function pipelineRoutes(context: GatewayContext): Router {
  const router = guardedRouter(context);

  router.get(
    "/",
    "definitions.read",
    async (request, response) => {
      const { limit, offset } = PageQuery.parse(request.query);
      response.json(await definitionsPage(context, principalOf(request), "pipeline", limit, offset));
    },
    { summary: "List deployed pipelines", query: PageQuery },
  );

  // A raw YAML body (Content-Type: application/yaml) is taken too; the document shows the JSON one.
  router.post("/", "definitions.deploy", (request, response) => deployFromRequest(context, request, response, "pipeline"), {
    summary: "Deploy a pipeline",
    body: CreateDefinitionBody,
  });
  router.put(
    "/:name",
    "definitions.deploy",
    (request, response) => deployFromRequest(context, request, response, "pipeline", nameParam(request)),
    { summary: "Deploy a pipeline under this name (replacing it)", body: CreateDefinitionBody },
  );

  router.get("/:name", "definitions.read", async (request, response) => {
    const name = nameParam(request);
    requireDefinition(principalOf(request), name);
    const record = await context.call(endpoints.registryGet, { name, kind: "pipeline" });
    // A code pipeline's compiled bundle stays out of the answer (its files are there).
    const definition =
      "code" in record.definition ? { ...record.definition, code: codeSummary(record.definition.code) } : record.definition;
    response.json({ ...record, definition, inputs_schema: record.inputSchema, endpoint: `/${record.name}/run` });
  });

  router.delete("/:name", "definitions.deploy", async (request, response) => {
    const name = nameParam(request);
    requireDefinition(principalOf(request), name);
    await context.call(endpoints.registryUndeploy, { name, kind: "pipeline" });
    audit(context, request, response, "definition.undeploy", name);
    response.status(204).end();
  });

  router.post(
    "/:name/run",
    "runs.invoke",
    async (request, response) => {
      // Hayhooks' flat inputs (JSON or a multipart form), or AgentSpec's `{input}` / `{trigger}` (see agentspec-run.ts): the body decides.
      const agentSpec = isMultipart(request) ? undefined : agentSpecRun(RunBody.parse(jsonObjectBody(request)));
      if (agentSpec && (await runAgentSpecPipeline(context, request, response, agentSpec))) return;
      response.json({ result: await runForRequest(context, request, response, "pipeline") });
    },
    { summary: "Run a pipeline (its inputs as JSON or a multipart form, or AgentSpec's {input})", body: RunBody },
  );

  /** The background twin of `/run`: the same inputs (plus an optional `callback_url`), answered 202 at once. */
  router.post(
    "/:name/runs",
    "runs.invoke",
    async (request, response) => {
      const { inputs, callbackUrl } = splitCallback(RunBody.parse(jsonObjectBody(request)));
      const name = nameParam(request);
      accepted(
        response,
        await submitExecution(context, principalOf(request), request, {
          kind: "pipeline",
          name,
          inputs,
          ...(callbackUrl ? { callbackUrl } : {}),
        }),
      );
    },
    { summary: "Run a pipeline in the background (202, with an optional callback_url)", body: RunBody },
  );

  /** AgentSpec's status: the latest execution of the pipeline, or the one `run_id` names. */
  router.get("/:name/status", "authenticated", async (request, response) => {
    const name = nameParam(request);
    const principal = principalOf(request);
    requireDefinition(principal, name);
    const owner = ownerFilter(principal);
    const runId = request.query.run_id;
    const execution =
      typeof runId === "string"
        ? await context.call(endpoints.executionGet, { id: parseExecutionId(runId), owner })
        : await context.call(endpoints.executionLatest, { kind: "pipeline", name, owner });
    if (execution.name !== name) throw new AppError("not_found", `run '${String(runId)}' is not a run of '${name}'`);
    response.json(agentSpecStatus(execution));
  });

  return router.router;
}
