import { type CommonConfig, grpcAddressEnv, modelEnv } from "@switchyard/config";
import { z } from "zod";

export const executorEnv = {
  ...modelEnv,
  ...grpcAddressEnv,
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
