import type { CommonConfig } from "@switchyard/config";
import { z } from "zod";

/** The services `/readyz` can ping. */
export const readyServices = ["registry", "executor", "access", "session", "mcp", "scheduler"] as const;

export const gatewayEnv = {
  /** `off` serves every route without a key: for a gateway only its own machine can reach. */
  SWITCHYARD_AUTH: z.enum(["on", "off"]).default("on"),
  /** With authentication off, the gateway refuses to bind off loopback unless this says it is meant. */
  SWITCHYARD_AUTH_OFF_EXPOSED: z.enum(["true", "false"]).default("false"),
  /** How long a gateway trusts a key it looked up without asking again (revocations reach it at once by event). */
  GATEWAY_KEY_CACHE_TTL_MS: z.coerce.number().int().positive().default(60_000),
  /** Trust X-Forwarded-For from this many proxies in front (express's `trust proxy`), for the client address. */
  GATEWAY_TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
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
  /** Multipart uploads to a run (`curl -F`): one file, every part together, and the number of parts. The total stays below what NATS carries (1 MiB). */
  GATEWAY_UPLOAD_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  GATEWAY_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(768 * 1024),
  GATEWAY_UPLOAD_MAX_PARTS: z.coerce.number().int().positive().max(1000).default(32),
  /** Binary files are held in a JetStream object store while their run lasts; this bounds what it holds at once. */
  GATEWAY_UPLOAD_STORE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  /** A client must have sent its request headers within this, … */
  GATEWAY_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** … and its whole request (headers and body) within this; then it gets 408 and its socket closes. Responses, streams included, are not limited by it. */
  GATEWAY_BODY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** An idle keep-alive connection between requests is closed after this. */
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(65_000),
  /** The services `/readyz` requires (comma-separated): each must answer its ping with every check `ok`. */
  GATEWAY_READY_SERVICES: z
    .string()
    .default(readyServices.join(","))
    .transform((value) =>
      value
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(readyServices, {
          error: (issue) => `not a service /readyz can ping: ${String(issue.input)} (one of ${readyServices.join(", ")})`,
        }),
      ),
    ),
  /** Default and longest deadline of one run. */
  GATEWAY_RUN_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Deadline of registry requests and of an executor accepting a run. */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnv>> & CommonConfig;
