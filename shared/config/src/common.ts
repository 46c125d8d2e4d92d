import { z } from "zod";

/** Env fields every service shares. Each service extends this with its own. */
export const commonEnv = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  SWITCHYARD_SUBJECT_PREFIX: z.string().default("sy"),
  SWITCHYARD_INSTANCE: z.string().optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Where the service serves Prometheus text on `GET /metrics`: 0 picks a free port (reported as `metricsPort`). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** The metrics server's address: loopback unless a scraper elsewhere must reach it (a pod's `0.0.0.0`). */
  METRICS_HOST: z.string().default("127.0.0.1"),
} as const;

/** Redis, for the services that own keys in it. */
export const redisEnv = {
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
} as const;

/** Where each gRPC server binds, and where its clients reach it: one default each, for both ends. */
export const grpcAddressEnv = {
  REGISTRY_GRPC_ADDRESS: z.string().default("127.0.0.1:50051"),
  MCP_GRPC_ADDRESS: z.string().default("127.0.0.1:50052"),
  SESSION_GRPC_ADDRESS: z.string().default("127.0.0.1:50053"),
  ACCESS_GRPC_ADDRESS: z.string().default("127.0.0.1:50054"),
} as const;

export type CommonConfig = z.infer<z.ZodObject<typeof commonEnv>>;

/**
 * Parses `process.env` (or any record) against a service's schema; throws a readable list
 * on failure. An empty variable counts as unset, as `${VAR:-}` in compose files produces.
 */
export function parseEnv<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<T>> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}
