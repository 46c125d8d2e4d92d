import { type CommonConfig, grpcAddressEnv, redisEnv } from "@switchyard/config";
import { z } from "zod";

export const sessionEnv = {
  ...redisEnv,
  /** Where the session service's gRPC server binds (executors reach it there). */
  SESSION_GRPC_ADDRESS: grpcAddressEnv.SESSION_GRPC_ADDRESS,
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

export type SessionConfig = z.infer<z.ZodObject<typeof sessionEnv>> & CommonConfig;
