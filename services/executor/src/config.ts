import { type CommonConfig, grpcAddressEnv, modelEnv, redisEnv, sandboxEnv } from "@switchyard/config";
import { parseJsonOrUndefined } from "@switchyard/contracts";
import { z } from "zod";

const csvMs = z
  .string()
  .regex(/^\d+(,\d+)*$/, "comma-separated milliseconds")
  .transform((text) => text.split(",").map(Number));

export const executorEnv = {
  ...modelEnv,
  ...sandboxEnv,
  ...grpcAddressEnv,
  ...redisEnv,
  /** Background executions this executor runs at once (taken from the shared queue only as slots free up). */
  EXECUTIONS_CONCURRENCY: z.coerce.number().int().min(0).default(64),
  /** Jobs the queue holds; past it a submission is refused with 503 `queue_full` (DiscardNew: nothing queued is dropped). */
  EXECUTIONS_QUEUE_MAX: z.coerce.number().int().positive().default(100_000),
  /** Bytes the queue holds, likewise. */
  EXECUTIONS_QUEUE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  /** A job not acknowledged (nor marked in progress) this long after delivery goes to another executor. */
  EXECUTIONS_ACK_WAIT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Runs one execution may start (deliveries to an executor that was lost, or retryable failures); then `dead_lettered`. */
  EXECUTIONS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Waits before each retry of a retryable failure (the last repeats). */
  EXECUTIONS_BACKOFF_MS: csvMs.default([1000, 5000, 30_000]),
  /** Default deadline of one background run. */
  EXECUTIONS_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(15 * 60 * 1000)
    .default(10 * 60 * 1000),
  /** Finished executions (and their events) are kept this long. */
  EXECUTIONS_RETENTION_S: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** And at most this many finished ones (the oldest go first). */
  EXECUTIONS_MAX_RECORDS: z.coerce.number().int().positive().default(100_000),
  /**
   * Background runs of a pipeline or agent at once across every executor, as JSON
   * (`{"report": 2}`); others are unlimited. Jobs past it wait queued, spending no attempt.
   */
  EXECUTIONS_DEFINITION_CONCURRENCY: z
    .string()
    .default("{}")
    .transform((text, context) => {
      const parsed = parseJsonOrUndefined(z.record(z.string().max(64), z.number().int().min(1)), text);
      if (parsed === undefined) {
        context.addIssue({ code: "custom", message: 'a JSON object of definition names to limits, e.g. {"report": 2}' });
        return z.NEVER;
      }
      return parsed;
    }),
  /** Key for the HMAC-SHA256 signature of callback POSTs; without it a `callback_url` is refused. */
  EXECUTIONS_CALLBACK_SECRET: z.string().min(32).optional(),
  /** Hosts callbacks may reach despite the outbound guard (comma-separated; for tests and private networks). */
  EXECUTIONS_CALLBACK_ALLOW: z.string().default(""),
  /** Deadline of one tool call through the mcp service. */
  EXECUTOR_TOOL_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Runs one executor process works on at once (mostly waiting on providers); past it, requests are refused as busy. */
  EXECUTOR_MAX_RUNS: z.coerce.number().int().positive().default(1000),
  /** Safety net for missed change events: cached definitions are refetched after this. */
  EXECUTOR_DEFINITION_TTL_MS: z.coerce.number().int().positive().default(60_000),
  /** Deadline of each gRPC call to the registry. */
  EXECUTOR_GRPC_DEADLINE_MS: z.coerce.number().int().positive().default(3000),
  /** Timeout of one provider HTTP call. */
  EXECUTOR_PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Calls in flight to one model provider (alias) at once; its connection pool has as many connections. */
  EXECUTOR_PROVIDER_CONCURRENCY: z.coerce.number().int().positive().default(256),
  /** Calls that may wait for one of those; past it, a run's call is refused at once with 503 `unavailable`. */
  EXECUTOR_PROVIDER_QUEUE: z.coerce.number().int().min(0).default(256),
  /** Longest a call waits in that queue before it is refused with 503 `unavailable`. */
  EXECUTOR_PROVIDER_QUEUE_MS: z.coerce.number().int().positive().default(5000),
};

export type ExecutorConfig = z.infer<z.ZodObject<typeof executorEnv>> & CommonConfig;
