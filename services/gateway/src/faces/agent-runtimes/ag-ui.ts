import { AppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { definitionsPage } from "../../core/listing.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { runAgUi, SnakeRunAgentInput } from "../ag-ui/routes.ts";

const base = "/api/v1/ag-ui";
const TerminateBody = z.object({ thread_id: z.string().max(256), run_id: z.string().max(256).optional() });
/** Runs this gateway streams at once over agent-runtimes' AG-UI (each also holds a run slot). */
const maxActive = 10_000;

/**
 * agent-runtimes' AG-UI under `/api/v1/ag-ui/`: the protocol info and agent list, a run per
 * agent at `/{agent_id}/` taking its snake_case body (and the official camelCase) and sending
 * `event:` lines, and `/terminate` stopping a run this gateway streams for the same key.
 */
export function agentRuntimesAgUiRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  /** Live runs by key, thread and run: what `terminate` aborts. */
  const active = new Map<string, AbortController>();
  const runKey = (request: Request, threadId: string, runId: string) => `${principalOf(request).keyId}\u0000${threadId}\u0000${runId}`;

  const info = async (request: Request) => {
    const page = await definitionsPage(context, principalOf(request), "agent", 1000, 0);
    return {
      protocol: "ag-ui",
      version: "0.1.0",
      agents: page.items.map((agent) => ({ agent_id: agent.name, endpoint: `${base}/${agent.name}/` })),
      agents_endpoint: `${base}/agents`,
      terminate_endpoint: `${base}/terminate`,
      note: `Each agent is mounted at ${base}/{agent_id}/ (trailing slash required)`,
    };
  };
  routes.get([`${base}/`, `${base}/agents`], "definitions.read", async (request, response) => {
    response.json(await info(request));
  });
  routes.post(
    `${base}/terminate`,
    "runs.invoke",
    (request, response) => {
      const body = TerminateBody.parse(jsonObjectBody(request));
      const prefix = runKey(request, body.thread_id, body.run_id ?? "");
      const matching = [...active.entries()].filter(([key]) => (body.run_id === undefined ? key.startsWith(prefix) : key === prefix));
      if (matching.length === 0) throw new AppError("not_found", "Run not found");
      for (const [, controller] of matching) controller.abort();
      response.json({ status: "terminated", thread_id: body.thread_id, run_id: body.run_id ?? null, terminated: matching.length });
    },
    { summary: "Stop AG-UI runs this gateway streams for the key (agent-runtimes)", body: TerminateBody },
  );
  routes.post(
    `${base}/:name`,
    "runs.invoke",
    async (request, response) => {
      const input = SnakeRunAgentInput.parse(jsonObjectBody(request));
      if (active.size >= maxActive) throw new AppError("unavailable", "this gateway streams as many AG-UI runs as it may; try again");
      const key = runKey(request, input.threadId, input.runId);
      const controller = new AbortController();
      active.set(key, controller);
      try {
        await runAgUi(context, request, response, input, { named: true, signal: controller.signal });
      } finally {
        if (active.get(key) === controller) active.delete(key);
      }
    },
    { summary: "Run an agent over AG-UI, streamed as `event:` lines (agent-runtimes)", body: SnakeRunAgentInput },
  );
  return routes.router;
}
