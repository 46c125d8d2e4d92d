import { type CommonConfig, grpcAddressEnv, redisEnv } from "@switchyard/config";
import { z } from "zod";

/**
 * The encryption key for credentials and MFA secrets: 32 bytes, as 64 hex characters or
 * base64. Any other length stops the service at start, so a truncated key is never used.
 */
const SecretKey = z.string().transform((text, context) => {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, "base64") : Buffer.alloc(0);
  if (decoded.length === 32) return decoded;
  const got = decoded.length > 0 ? `${decoded.length} bytes` : `${value.length} characters that are neither hex nor base64`;
  context.addIssue({ code: "custom", message: `must be 32 bytes, as 64 hex characters or base64 (44 characters); got ${got}` });
  return z.NEVER;
});

export const accessEnv = {
  ...redisEnv,
  /** Where the access service's gRPC server binds (executors and the mcp service read credentials there). */
  ACCESS_GRPC_ADDRESS: grpcAddressEnv.ACCESS_GRPC_ADDRESS,
  /** Encrypts credentials and MFA secrets (AES-256-GCM); without it neither can be stored. */
  SWITCHYARD_SECRET_KEY: SecretKey.optional(),
  /** A secret seeded at start as an admin key named "bootstrap" (once: an existing one is left alone). */
  SWITCHYARD_ADMIN_KEY: z.string().min(32, "an admin key must be at least 32 characters").max(256).optional(),
  /** How long a login's Bearer token lives. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(604_800),
  /** Failed authentications and logins per client address in a minute before the address is blocked. */
  ACCESS_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /** How long a blocked address is refused, even with a valid secret. */
  ACCESS_AUTH_BLOCK_SECONDS: z.coerce.number().int().positive().default(300),
  /** API keys and login tokens together. */
  ACCESS_MAX_KEYS: z.coerce.number().int().positive().default(10_000),
  ACCESS_MAX_CREDENTIALS: z.coerce.number().int().positive().default(1000),
  ACCESS_AUDIT_MAX_ENTRIES: z.coerce.number().int().positive().default(10_000),
};

export type AccessConfig = z.infer<z.ZodObject<typeof accessEnv>> & CommonConfig;
