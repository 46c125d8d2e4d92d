import { type Execution, ExecutionId, ExecutionStatus, endpoints } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, Router } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { ownerFilter, streamExecutionEvents } from "../../core/executions.ts";
import { guardedRouter } from "../../http/guarded-router.ts";

const ListQuery = z.object({
  status: ExecutionStatus.optional(),
  pipeline: z.string().max(64).optional(),
  agent: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** An execution id from the path or query; anything else names no execution. */
export const parseExecutionId = (value: unknown) => {
  const id = ExecutionId.safeParse(value);
  if (!id.success) throw new AppError("not_found", `execution '${String(value)}' does not exist`);
  return id.data;
};
export const executionIdParam = (request: Request) => parseExecutionId(request.params.id);

/** `/v1/executions`: the caller's background executions (an admin's: everyone's). */
export function executionRoutes(context: GatewayContext): Router {
  const routes = guardedRouter(context);

  routes.get(
    "/",
    "authenticated",
    async (request, response) => {
      const query = ListQuery.parse(request.query);
      const name = query.pipeline ?? query.agent;
      response.json(
        await context.call(endpoints.executionList, {
          owner: ownerFilter(principalOf(request)),
          ...(query.status ? { status: query.status } : {}),
          ...(name ? { name } : {}),
          limit: query.limit,
          offset: query.offset,
        }),
      );
    },
    { summary: "List background executions", query: ListQuery },
  );
  routes.get("/:id", "authenticated", async (request, response) => {
    response.json(await context.call(endpoints.executionGet, { id: executionIdParam(request), owner: ownerFilter(principalOf(request)) }));
  });
  routes.post("/:id/cancel", "runs.invoke", async (request, response) => {
    response.json(
      await context.call(endpoints.executionCancel, { id: executionIdParam(request), owner: ownerFilter(principalOf(request)) }),
    );
  });
  routes.get("/:id/events", "authenticated", async (request, response) => {
    const id = executionIdParam(request);
    // Only the owner (or an admin) may follow it: not found otherwise, before the stream opens.
    await context.call(endpoints.executionGet, { id, owner: ownerFilter(principalOf(request)) });
    await streamExecutionEvents(context, request, response, id);
  });
  return routes.router;
}

/** AgentSpec's run status: `running | completed | failed` (queued counts as running, cancelled as failed). */
export function agentSpecStatus(execution: Execution) {
  const status =
    execution.status === "succeeded" ? "completed" : execution.status === "queued" || execution.status === "running" ? "running" : "failed";
  const started = Date.parse(execution.startedAt ?? execution.createdAt);
  const ended = execution.finishedAt ? Date.parse(execution.finishedAt) : Date.now();
  return {
    pipeline: execution.name,
    run_id: execution.id,
    status,
    steps: [],
    started_at: execution.startedAt ?? execution.createdAt,
    elapsed_ms: Math.max(0, ended - started),
    ...(execution.result ? { output: execution.result } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    execution,
  };
}
