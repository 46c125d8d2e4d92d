import { DefinitionName, endpoints, ScheduleId, type ScheduleView } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { ownerFilter } from "../../core/executions.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { notFoundAs } from "../../http/not-found.ts";

/**
 * Pipelit's `ScheduledJobCreate`. `workflow_id` names the pipeline or agent (Pipelit numbers
 * its workflows; Switchyard's are named). `trigger_payload` becomes the run's inputs.
 * Beyond Pipelit: `cron` and `timezone` instead of `interval_seconds`.
 */
const CreateBody = z
  .object({
    name: z.string().min(1).max(128),
    description: z.string().max(4096).default(""),
    workflow_id: DefinitionName,
    trigger_node_id: z.string().max(128).nullable().optional(),
    interval_seconds: z.number().int().min(1).optional(),
    cron: z.string().max(128).optional(),
    timezone: z.string().max(64).optional(),
    total_repeats: z.number().int().min(0).default(0),
    max_retries: z.number().int().min(0).default(3),
    timeout_seconds: z.number().int().min(1).default(600),
    trigger_payload: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .refine((body) => (body.interval_seconds === undefined) !== (body.cron === undefined), {
    message: "give interval_seconds (or cron)",
    path: ["interval_seconds"],
  });

const UpdateBody = z.object({
  name: z.string().min(1).max(128).optional(),
  description: z.string().max(4096).optional(),
  interval_seconds: z.number().int().min(1).optional(),
  total_repeats: z.number().int().min(0).optional(),
  max_retries: z.number().int().min(0).optional(),
  timeout_seconds: z.number().int().min(1).optional(),
  trigger_payload: z.record(z.string(), z.unknown()).nullable().optional(),
});

const ListQuery = z.object({
  status: z.enum(["active", "paused", "done"]).optional(),
  workflow_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const BatchDelete = z.object({ schedule_ids: z.array(z.string().max(64)).max(1000) });

/** Pipelit's `ScheduledJobOut`. Retries and timeouts are the executors' own settings, shown at Pipelit's defaults. */
function pipelitSchedule(schedule: ScheduleView) {
  return {
    id: schedule.id,
    name: schedule.name,
    description: schedule.description,
    workflow_id: schedule.target,
    trigger_node_id: null,
    user_profile_id: schedule.owner,
    interval_seconds: "intervalSeconds" in schedule.trigger ? schedule.trigger.intervalSeconds : null,
    ...("cron" in schedule.trigger ? { cron: schedule.trigger.cron, timezone: schedule.trigger.timezone } : {}),
    total_repeats: schedule.maxRuns ?? 0,
    max_retries: 3,
    timeout_seconds: 600,
    trigger_payload: Object.keys(schedule.inputs).length > 0 ? schedule.inputs : null,
    status: schedule.status,
    current_repeat: schedule.runCount,
    current_retry: 0,
    last_run_at: schedule.lastFireAt ?? null,
    next_run_at: schedule.nextFireAt ?? null,
    run_count: schedule.runCount,
    error_count: schedule.lastError ? 1 : 0,
    last_error: schedule.lastError ?? "",
    created_at: schedule.createdAt,
    updated_at: schedule.updatedAt,
  };
}

const { idParam, orNotFound } = notFoundAs(ScheduleId, "Scheduled job not found.");

/** Pipelit's `/api/v1/schedules/`: the same schedules as `/v1/schedules`, in Pipelit's shapes. */
export function pipelitScheduleRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  const ref = (request: Request) => ({ id: idParam(request), owner: ownerFilter(principalOf(request)) });

  routes.get(
    "/api/v1/schedules/",
    "authenticated",
    async (request, response) => {
      const query = ListQuery.parse(request.query);
      const page = await context.call(endpoints.scheduleList, {
        owner: ownerFilter(principalOf(request)),
        ...(query.status ? { status: query.status } : {}),
        ...(query.workflow_id ? { target: query.workflow_id } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      response.json({ items: page.items.map(pipelitSchedule), total: page.total });
    },
    { summary: "List the key's schedules (Pipelit)", query: ListQuery },
  );
  routes.post(
    "/api/v1/schedules/",
    "runs.invoke",
    async (request, response) => {
      const body = CreateBody.parse(jsonObjectBody(request));
      const principal = principalOf(request);
      requireDefinition(principal, body.workflow_id);
      let kind: "pipeline" | "agent";
      try {
        kind = (await context.call(endpoints.registryGet, { name: body.workflow_id })).kind;
      } catch (error) {
        if (toAppError(error).code === "not_found") throw new AppError("not_found", "Workflow not found.");
        throw error;
      }
      const created = await context.call(endpoints.scheduleCreate, {
        name: body.name,
        description: body.description,
        kind,
        target: body.workflow_id,
        inputs: body.trigger_payload ?? {},
        trigger:
          body.cron !== undefined
            ? { cron: body.cron, timezone: body.timezone ?? "UTC" }
            : { intervalSeconds: body.interval_seconds ?? 60 },
        ...(body.total_repeats > 0 ? { maxRuns: body.total_repeats } : {}),
        owner: principal.keyId,
      });
      response.status(201).json(pipelitSchedule(created));
    },
    { summary: "Create a schedule (Pipelit)", body: CreateBody },
  );
  routes.post(
    "/api/v1/schedules/batch-delete/",
    "runs.invoke",
    async (request, response) => {
      const { schedule_ids: ids } = BatchDelete.parse(jsonObjectBody(request));
      const owner = ownerFilter(principalOf(request));
      // Ids that are not the caller's (or not there) are passed over, as Pipelit does.
      for (const id of ids) {
        const parsed = ScheduleId.safeParse(id);
        if (parsed.success) await context.call(endpoints.scheduleDelete, { id: parsed.data, owner }).catch(() => undefined);
      }
      response.status(204).end();
    },
    { summary: "Delete schedules (Pipelit)", body: BatchDelete },
  );
  routes.get("/api/v1/schedules/:id/", "authenticated", async (request, response) => {
    response.json(pipelitSchedule(await orNotFound(context.call(endpoints.scheduleGet, ref(request)))));
  });
  routes.patch(
    "/api/v1/schedules/:id/",
    "runs.invoke",
    async (request, response) => {
      const body = UpdateBody.parse(jsonObjectBody(request));
      const changes = {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.interval_seconds === undefined ? {} : { trigger: { intervalSeconds: body.interval_seconds } }),
        ...(body.total_repeats === undefined ? {} : { maxRuns: body.total_repeats === 0 ? null : body.total_repeats }),
        ...(body.trigger_payload === undefined ? {} : { inputs: body.trigger_payload ?? {} }),
      };
      response.json(pipelitSchedule(await orNotFound(context.call(endpoints.scheduleUpdate, { ...ref(request), changes }))));
    },
    { summary: "Change a schedule (Pipelit)", body: UpdateBody },
  );
  routes.delete("/api/v1/schedules/:id/", "runs.invoke", async (request, response) => {
    await orNotFound(context.call(endpoints.scheduleDelete, ref(request)));
    response.status(204).end();
  });
  routes.post("/api/v1/schedules/:id/pause/", "runs.invoke", async (request, response) => {
    response.json(pipelitSchedule(await orNotFound(context.call(endpoints.schedulePause, ref(request)))));
  });
  routes.post("/api/v1/schedules/:id/resume/", "runs.invoke", async (request, response) => {
    response.json(pipelitSchedule(await orNotFound(context.call(endpoints.scheduleResume, ref(request)))));
  });
  return routes.router;
}
