import type { CommonConfig } from "@switchyard/config";
import { z } from "zod";

export const gatewayEnv = {
  /** Loopback unless configured: exposing the gateway is a deliberate choice. */
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(1416),
  /** Hostnames the Host header may name (comma-separated); default: loopback names when bound to loopback, else any. */
  GATEWAY_ALLOWED_HOSTS: z.string().optional(),
  /** Origins browsers may call from (comma-separated); default: loopback origins. */
  GATEWAY_ALLOWED_ORIGINS: z.string().optional(),
  /** Largest request body accepted, in bytes. */
  GATEWAY_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Default and longest deadline of one run. */
  GATEWAY_RUN_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Deadline of registry requests and of an executor accepting a run. */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnv>> & CommonConfig;
