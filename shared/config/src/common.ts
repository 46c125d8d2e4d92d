import { z } from "zod";

/** Env fields every service shares. Each service extends this with its own. */
export const commonEnv = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  SWITCHYARD_SUBJECT_PREFIX: z.string().default("sy"),
  SWITCHYARD_INSTANCE: z.string().optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
} as const;

/**
 * Parses `process.env` (or any record) against a service's schema; throws a readable list
 * on failure. An empty variable counts as unset, as `${VAR:-}` in compose files produces.
 */
export function parseEnv<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = z.object(shape).safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

/** `host:port` split, for binding servers. */
export function splitHostPort(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(":");
  if (index <= 0) throw new Error(`expected host:port, got '${address}'`);
  const port = Number(address.slice(index + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port in '${address}'`);
  return { host: address.slice(0, index).replace(/^\[|\]$/g, ""), port };
}
