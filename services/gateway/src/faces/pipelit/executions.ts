import { type Execution, ExecutionId, type ExecutionStatus, endpoints } from "@switchyard/contracts";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { ownerFilter } from "../../core/executions.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { notFoundAs } from "../../http/not-found.ts";

/** Pipelit's execution statuses for ours (`pending | running | interrupted | completed | failed | cancelled`). */
const pipelitStatus: Record<ExecutionStatus, string> = {
  queued: "pending",
  running: "running",
  succeeded: "completed",
  failed: "failed",
  cancelled: "cancelled",
  dead_lettered: "failed",
};
const fromPipelit: Record<string, ExecutionStatus | undefined> = {
  pending: "queued",
  running: "running",
  completed: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
};

const ListQuery = z.object({
  workflow_slug: z.string().max(64).optional(),
  status: z.string().max(32).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Pipelit's `ExecutionOut`. Times are ISO 8601 in UTC (with `Z`); cost and LLM calls are not tracked (0). */
export function pipelitExecution(execution: Execution) {
  return {
    execution_id: execution.id,
    workflow_slug: execution.name,
    status: pipelitStatus[execution.status],
    error_message: execution.error?.message ?? "",
    started_at: execution.startedAt ?? null,
    completed_at: execution.finishedAt ?? null,
    total_tokens: execution.usage?.total_tokens ?? 0,
    total_cost_usd: 0,
    llm_calls: 0,
  };
}

const { idParam, orNotFound } = notFoundAs(ExecutionId, "Execution not found.");

/** Pipelit's `/api/v1/executions/`: list, detail and cancel over the same executions as `/v1/executions`. */
export function pipelitExecutionRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  routes.get(
    "/api/v1/executions/",
    "authenticated",
    async (request, response) => {
      const query = ListQuery.parse(request.query);
      const status = query.status === undefined ? undefined : fromPipelit[query.status];
      // A status Switchyard never has (`interrupted`) matches nothing.
      if (query.status !== undefined && status === undefined) {
        response.json({ items: [], total: 0 });
        return;
      }
      const page = await context.call(endpoints.executionList, {
        owner: ownerFilter(principalOf(request)),
        ...(status ? { status } : {}),
        ...(query.workflow_slug ? { name: query.workflow_slug } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      response.json({ items: page.items.map(pipelitExecution), total: page.total });
    },
    { summary: "List background executions (Pipelit)", query: ListQuery },
  );
  routes.get("/api/v1/executions/:id/", "authenticated", async (request, response) => {
    const execution = await orNotFound(
      context.call(endpoints.executionGet, { id: idParam(request), owner: ownerFilter(principalOf(request)) }),
    );
    response.json({ ...pipelitExecution(execution), final_output: execution.result ?? null, trigger_payload: execution.inputs, logs: [] });
  });
  routes.post("/api/v1/executions/:id/cancel/", "runs.invoke", async (request, response) => {
    const execution = await orNotFound(
      context.call(endpoints.executionCancel, { id: idParam(request), owner: ownerFilter(principalOf(request)) }),
    );
    response.json(pipelitExecution(execution));
  });
  return routes.router;
}
