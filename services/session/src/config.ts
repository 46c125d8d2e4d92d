import { commonEnv, parseEnv } from "@switchyard/config";
import { z } from "zod";

export const sessionEnv = {
  ...commonEnv,
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  /** Where executors reach the session service's gRPC server. */
  SESSION_GRPC_ADDRESS: z.string().default("127.0.0.1:50053"),
  /** A session expires this long after its last change. */
  SESSION_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  /** Messages kept per session; older ones are dropped first. */
  SESSION_MAX_MESSAGES: z.coerce.number().int().positive().default(200),
  /** Bytes of messages (JSON) kept per session; older ones are dropped first. */
  SESSION_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
};

export type SessionConfig = ReturnType<typeof loadSessionConfig>;

export function loadSessionConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(sessionEnv, env);
}
