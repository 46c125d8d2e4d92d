import { endpoints, MissedTicks, ScheduleId, ScheduleStatus, ScheduleTrigger } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, Router } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { ownerFilter } from "../../core/executions.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";

/** A trigger as clients write it: `{cron, timezone}` or `{interval_seconds}` (or `intervalSeconds`). */
const TriggerBody = z.union([
  ScheduleTrigger,
  z
    .object({
      interval_seconds: z
        .number()
        .int()
        .min(1)
        .max(366 * 24 * 3600),
    })
    .transform((value) => ({ intervalSeconds: value.interval_seconds })),
]);

const CreateBody = z.object({
  name: z.string().min(1).max(128),
  description: z.string().max(4096).optional(),
  pipeline: z.string().max(64).optional(),
  agent: z.string().max(64).optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  trigger: TriggerBody,
  missed: MissedTicks.optional(),
  max_runs: z.number().int().min(1).optional(),
});

const UpdateBody = z.object({
  name: z.string().min(1).max(128).optional(),
  description: z.string().max(4096).optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  trigger: TriggerBody.optional(),
  missed: MissedTicks.optional(),
  max_runs: z.number().int().min(1).nullable().optional(),
});

const ListQuery = z.object({
  status: ScheduleStatus.optional(),
  pipeline: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const scheduleIdParam = (request: Request) => {
  const id = ScheduleId.safeParse(request.params.id);
  if (!id.success) throw new AppError("not_found", `schedule '${String(request.params.id)}' does not exist`);
  return id.data;
};

/** `/v1/schedules`: recurring executions (cron in a time zone, or an interval) of the caller's key. */
export function scheduleRoutes(context: GatewayContext): Router {
  const routes = guardedRouter(context);
  const ref = (request: Request) => ({ id: scheduleIdParam(request), owner: ownerFilter(principalOf(request)) });

  routes.post(
    "/",
    "runs.invoke",
    async (request, response) => {
      const body = CreateBody.parse(jsonObjectBody(request));
      const target = body.pipeline ?? body.agent;
      if (!target || (body.pipeline && body.agent)) {
        throw new AppError("invalid_input", "name exactly one of pipeline or agent", { param: "pipeline" });
      }
      const principal = principalOf(request);
      requireDefinition(principal, target);
      const created = await context.call(endpoints.scheduleCreate, {
        name: body.name,
        ...(body.description === undefined ? {} : { description: body.description }),
        kind: body.agent ? "agent" : "pipeline",
        target,
        inputs: body.inputs ?? {},
        trigger: body.trigger,
        ...(body.missed ? { missed: body.missed } : {}),
        ...(body.max_runs ? { maxRuns: body.max_runs } : {}),
        owner: principal.keyId,
      });
      response.setHeader("location", `/v1/schedules/${created.id}`);
      response.status(201).json(created);
    },
    { summary: "Create a schedule", body: CreateBody },
  );
  routes.get(
    "/",
    "authenticated",
    async (request, response) => {
      const query = ListQuery.parse(request.query);
      response.json(
        await context.call(endpoints.scheduleList, {
          owner: ownerFilter(principalOf(request)),
          ...(query.status ? { status: query.status } : {}),
          ...(query.pipeline ? { target: query.pipeline } : {}),
          limit: query.limit,
          offset: query.offset,
        }),
      );
    },
    { summary: "List the key's schedules", query: ListQuery },
  );
  routes.get("/:id", "authenticated", async (request, response) => {
    response.json(await context.call(endpoints.scheduleGet, ref(request)));
  });
  routes.patch(
    "/:id",
    "runs.invoke",
    async (request, response) => {
      const body = UpdateBody.parse(jsonObjectBody(request));
      const { max_runs: maxRuns, ...changes } = body;
      response.json(
        await context.call(endpoints.scheduleUpdate, {
          ...ref(request),
          changes: { ...changes, ...(maxRuns === undefined ? {} : { maxRuns }) },
        }),
      );
    },
    { summary: "Change a schedule", body: UpdateBody },
  );
  routes.delete("/:id", "runs.invoke", async (request, response) => {
    await context.call(endpoints.scheduleDelete, ref(request));
    response.status(204).end();
  });
  routes.post("/:id/pause", "runs.invoke", async (request, response) => {
    response.json(await context.call(endpoints.schedulePause, ref(request)));
  });
  routes.post("/:id/resume", "runs.invoke", async (request, response) => {
    response.json(await context.call(endpoints.scheduleResume, ref(request)));
  });
  routes.post("/:id/run", "runs.invoke", async (request, response) => {
    const fired = await context.call(endpoints.scheduleTrigger, ref(request));
    response.setHeader("location", `/v1/executions/${fired.executionId}`);
    response.status(202).json({ schedule: fired.schedule, execution_id: fired.executionId });
  });
  return routes.router;
}
