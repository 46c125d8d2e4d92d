import { z } from "zod";
import { KeyId } from "./access.ts";
import { ExecutionId } from "./executions.ts";
import { DefinitionKind, DefinitionName } from "./registry.ts";

export const ScheduleId = z.string().regex(/^sch_[0-9a-f]{24}$/, "not a schedule id");
export type ScheduleId = z.infer<typeof ScheduleId>;

/** When a schedule fires: a cron expression in a time zone (5 or 6 fields), or every so many seconds. */
export const ScheduleTrigger = z.union([
  z.object({ cron: z.string().min(1).max(128), timezone: z.string().min(1).max(64).default("UTC") }),
  z.object({
    intervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 3600),
  }),
]);
export type ScheduleTrigger = z.infer<typeof ScheduleTrigger>;

/**
 * Ticks that came due while no scheduler ran (more than the grace period late): `skip` drops
 * them, `run_once` runs one execution for the latest of them.
 */
export const MissedTicks = z.enum(["skip", "run_once"]);

export const ScheduleStatus = z.enum(["active", "paused", "done"]);

const ScheduleFields = {
  name: z.string().min(1).max(128),
  description: z.string().max(4096).default(""),
  kind: DefinitionKind.default("pipeline"),
  target: DefinitionName,
  inputs: z.record(z.string(), z.unknown()).default({}),
  trigger: ScheduleTrigger,
  missed: MissedTicks.default("skip"),
  /** Fire at most this many times (then `done`); absent: forever. */
  maxRuns: z.number().int().min(1).optional(),
};

export const ScheduleCreate = z.object({ ...ScheduleFields, owner: KeyId });
export type ScheduleCreate = z.infer<typeof ScheduleCreate>;

export const Schedule = z.object({
  id: ScheduleId,
  ...ScheduleFields,
  owner: KeyId,
  status: ScheduleStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The next tick (ISO 8601); absent when paused or done. */
  nextFireAt: z.string().optional(),
  lastFireAt: z.string().optional(),
  lastExecutionId: ExecutionId.optional(),
  runCount: z.number().int().min(0),
  /** The last submission's failure, if it failed. */
  lastError: z.string().optional(),
});
export type Schedule = z.infer<typeof Schedule>;

/** A schedule with its next fire times (up to five). */
export const ScheduleView = Schedule.extend({ upcoming: z.array(z.string()) });
export type ScheduleView = z.infer<typeof ScheduleView>;

export const ScheduleRef = z.object({ id: ScheduleId, owner: KeyId.optional() });
export type ScheduleRef = z.infer<typeof ScheduleRef>;

export const ScheduleUpdate = z.object({
  id: ScheduleId,
  owner: KeyId.optional(),
  changes: z.object({
    name: ScheduleFields.name.optional(),
    description: z.string().max(4096).optional(),
    inputs: ScheduleFields.inputs.unwrap().optional(),
    trigger: ScheduleTrigger.optional(),
    missed: MissedTicks.optional(),
    maxRuns: z.number().int().min(1).nullable().optional(),
  }),
});
export type ScheduleUpdate = z.infer<typeof ScheduleUpdate>;

export const ScheduleListRequest = z.object({
  owner: KeyId.optional(),
  status: ScheduleStatus.optional(),
  target: DefinitionName.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type ScheduleListRequest = z.infer<typeof ScheduleListRequest>;

export const ScheduleList = z.object({ items: z.array(ScheduleView), total: z.number().int().min(0) });
export type ScheduleList = z.infer<typeof ScheduleList>;

export const ScheduleTriggered = z.object({ schedule: ScheduleView, executionId: ExecutionId });
