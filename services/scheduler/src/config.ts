import { type CommonConfig, redisEnv } from "@switchyard/config";
import { z } from "zod";

export const schedulerEnv = {
  ...redisEnv,
  /** How often each replica looks for due ticks. */
  SCHEDULER_POLL_MS: z.coerce.number().int().min(20).max(10_000).default(200),
  /** A tick this late counts as missed (everything was down): the schedule's `missed` policy decides. */
  SCHEDULER_GRACE_MS: z.coerce.number().int().min(1000).default(10_000),
  /** Schedules kept at most. */
  SCHEDULER_MAX_SCHEDULES: z.coerce.number().int().positive().default(10_000),
  /** Deadline of one submission to the executors. */
  SCHEDULER_SUBMIT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
};

export type SchedulerConfig = z.infer<z.ZodObject<typeof schedulerEnv>> & CommonConfig;
