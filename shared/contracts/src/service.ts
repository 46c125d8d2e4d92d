import { z } from "zod";

/** The deployable services. */
export const ServiceName = z.enum(["gateway", "registry", "executor", "mcp", "session", "access", "scheduler"]);
export type ServiceName = z.infer<typeof ServiceName>;

/**
 * The line a service logs once it serves: what the launcher and the test harness wait for,
 * and the ports they read from it. A log line, so other fields (level, time, …) ride along.
 */
export const ServiceReady = z.looseObject({
  event: z.literal("service.ready"),
  service: ServiceName,
  instance: z.string(),
  /** The gRPC port bound (registry, mcp, session). */
  grpcPort: z.number().int().min(0).optional(),
  /** The port of its Prometheus `/metrics` (every service). */
  metricsPort: z.number().int().min(0).optional(),
  /** The HTTP port bound (gateway). */
  port: z.number().int().min(0).optional(),
  url: z.string().optional(),
  /** The model aliases, described (executor). */
  models: z.array(z.string()).optional(),
});
export type ServiceReady = z.infer<typeof ServiceReady>;
