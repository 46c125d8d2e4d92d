import { createHash } from "node:crypto";
import { z } from "zod";

/** Roles, widest first. A key or user has exactly one. */
export const Role = z.enum(["admin", "developer", "invoke", "read"]);
export type Role = z.infer<typeof Role>;

/**
 * What a request may do. Routes declare one; a principal holds its role's set, narrowed
 * by its scopes: permissions intersect, never add up.
 */
export const Permission = z.enum([
  /** Lists, details and status of pipelines, agents and models (narrowed to the key's scopes). */
  "definitions.read",
  /** Deploy, replace and undeploy pipelines and agents. */
  "definitions.deploy",
  /** Run pipelines, chat with models, call the gateway's MCP tools, background runs. */
  "runs.invoke",
  /** Conversation history. */
  "sessions.read",
  /** MCP servers the mcp service runs: lists and details. */
  "mcp.read",
  /** Add, change, remove, enable and disable MCP servers (stdio ones can run commands). */
  "mcp.manage",
  /** Credentials' names and masked values. */
  "credentials.read",
  /** Store, replace and delete credentials. */
  "credentials.manage",
  /** API keys and users. */
  "access.manage",
  /** The audit trail. */
  "audit.read",
  /** Prometheus metrics: counts and latencies, by route, definition, model and MCP server (never a key). */
  "metrics.read",
  /** Change the code sandbox's limits and restart it, on every executor. */
  "sandbox.manage",
]);
export type Permission = z.infer<typeof Permission>;

export const rolePermissions: Record<Role, readonly Permission[]> = {
  admin: Permission.options,
  developer: ["definitions.read", "definitions.deploy", "runs.invoke", "sessions.read", "mcp.read", "credentials.read", "metrics.read"],
  invoke: ["definitions.read", "runs.invoke"],
  read: ["definitions.read", "sessions.read", "mcp.read", "metrics.read"],
};

/** Globs (`*` any run of characters, `?` one) over names; absent means everything the role allows. */
const Globs = z
  .array(
    z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.*?:/-]+$/, "letters, digits, '_', '.', '-', ':', '/', '*', '?'"),
  )
  .max(64);

/** What a key is limited to, beyond its role. */
export const KeyScopes = z
  .object({
    /** Pipelines, agents and models (a model is a pipeline or agent name). */
    definitions: Globs.optional(),
    /** Tools of the gateway's MCP server (its tools are definitions; both lists must match). */
    tools: Globs.optional(),
  })
  .strict();
export type KeyScopes = z.infer<typeof KeyScopes>;

/** Per-key limits, exact across every gateway. */
export const KeyLimits = z
  .object({
    requestsPerMinute: z.number().int().positive().max(1_000_000).optional(),
    tokensPerMinute: z.number().int().positive().max(1_000_000_000).optional(),
    concurrentRuns: z.number().int().positive().max(100_000).optional(),
  })
  .strict();
export type KeyLimits = z.infer<typeof KeyLimits>;

export const KeyId = z.string().regex(/^key_[A-Za-z0-9]{12,32}$/, "not a key id");

/** A key as it is shown: never its secret, only a prefix to recognise it by. */
export const KeyInfo = z.object({
  id: KeyId,
  name: z.string(),
  /** The first characters of the secret (`sy-1a2b3c4d`), to recognise it. */
  prefix: z.string(),
  role: Role,
  scopes: KeyScopes,
  limits: KeyLimits,
  /** `key` for API keys, `token` for a login's Bearer token. */
  kind: z.enum(["key", "token"]),
  /** The user a token (or a user's key) belongs to. */
  userId: z.string().optional(),
  disabled: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string().optional(),
  expiresAt: z.string().optional(),
  /** While a rotation's grace period runs, the old secret still works until then. */
  previousSecretValidUntil: z.string().optional(),
  lastUsedAt: z.string().optional(),
});
export type KeyInfo = z.infer<typeof KeyInfo>;

/** Who a request is: what the gateway caches for a secret. */
export const Principal = z.object({
  keyId: KeyId,
  name: z.string(),
  role: Role,
  scopes: KeyScopes,
  limits: KeyLimits,
  kind: z.enum(["key", "token"]),
  userId: z.string().optional(),
  /** The secret presented stops working then (expiry, or the end of a rotation's grace period). */
  validUntil: z.string().optional(),
});
export type Principal = z.infer<typeof Principal>;

/** SHA-256 of a secret, hex: secrets never cross the bus, only their hashes. */
export const SecretHash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * How a key's secret is stored and looked up. Secrets are 190 random bits, so a fast hash
 * is enough (no dictionary to guess from); passwords, which people choose, use argon2id.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Where a request came from, for slowing and blocking repeated failures. */
export const ClientAddress = z.string().min(1).max(64);

export const AuthenticateRequest = z.object({ secretHash: SecretHash, client: ClientAddress });
export type AuthenticateRequest = z.infer<typeof AuthenticateRequest>;

/** One limit's state after a decision, as OpenAI's `x-ratelimit-*` headers say it. */
export const LimitState = z.object({ limit: z.number().int(), remaining: z.number().int(), resetMs: z.number().int().min(0) });
export type LimitState = z.infer<typeof LimitState>;

/** Asks to start a request under a key's limits: one request, an estimate of its tokens, a concurrency slot when `runId` is given. */
export const AdmitRequest = z.object({
  keyId: KeyId,
  limits: KeyLimits,
  estimatedTokens: z.number().int().min(0).default(0),
  runId: z.string().max(64).optional(),
  /** How long a concurrency slot may be held if nobody releases it (the run's deadline and a margin). */
  holdMs: z
    .number()
    .int()
    .positive()
    .max(24 * 3600 * 1000)
    .default(16 * 60 * 1000),
  /**
   * A lease: take up to this many requests (at least the one asked for) and this many tokens
   * (at least the estimate) at once, for the caller to hand out itself. Never more than is left.
   */
  batch: z.object({ requests: z.number().int().min(1).max(100_000), tokens: z.number().int().min(0).max(1_000_000_000) }).optional(),
});
export type AdmitRequest = z.infer<typeof AdmitRequest>;

export const AdmitReply = z.object({
  allowed: z.boolean(),
  /** Which limit refused it. */
  refusedBy: z.enum(["requests", "tokens", "concurrency"]).optional(),
  retryAfterMs: z.number().int().min(0).optional(),
  requests: LimitState.optional(),
  tokens: LimitState.optional(),
  /** What was taken: one request and the estimate, or a lease's worth when `batch` asked for more. */
  granted: z.object({ requests: z.number().int().min(0), tokens: z.number().int().min(0) }).optional(),
});
export type AdmitReply = z.infer<typeof AdmitReply>;

/** After a request: frees its concurrency slot and charges the tokens it really used beyond (or under) its estimate. */
export const SettleRequest = z.object({
  keyId: KeyId,
  limits: KeyLimits,
  runId: z.string().max(64).optional(),
  estimatedTokens: z.number().int().min(0).default(0),
  usedTokens: z.number().int().min(0).default(0),
});
export type SettleRequest = z.infer<typeof SettleRequest>;

export const KeyCreateRequest = z.object({
  name: z.string().min(1).max(128),
  role: Role,
  scopes: KeyScopes.default({}),
  limits: KeyLimits.default({}),
  expiresAt: z.string().datetime().optional(),
  createdBy: z.string().max(128).optional(),
});
export type KeyCreateRequest = z.infer<typeof KeyCreateRequest>;

/** The only time a secret is shown. */
export const KeyCreated = z.object({ key: KeyInfo, secret: z.string() });
export type KeyCreated = z.infer<typeof KeyCreated>;

export const KeyRef = z.object({ id: KeyId });
export type KeyRef = z.infer<typeof KeyRef>;
export const KeyUpdateRequest = z.object({
  id: KeyId,
  disabled: z.boolean().optional(),
  limits: KeyLimits.optional(),
  scopes: KeyScopes.optional(),
  name: z.string().min(1).max(128).optional(),
});
export type KeyUpdateRequest = z.infer<typeof KeyUpdateRequest>;
export const KeyRotateRequest = z.object({
  id: KeyId,
  /** How long the old secret keeps working. */
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(3600),
});
export type KeyRotateRequest = z.infer<typeof KeyRotateRequest>;
export const KeyListRequest = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type KeyListRequest = z.infer<typeof KeyListRequest>;
export const KeyList = z.object({ items: z.array(KeyInfo), total: z.number().int().min(0) });
export type KeyList = z.infer<typeof KeyList>;

/** Published on every key change, so every gateway drops what it cached for these secrets at once. */
export const KeyChanged = z.object({ keyId: KeyId, secretHashes: z.array(SecretHash) });
export type KeyChanged = z.infer<typeof KeyChanged>;

/** Creates the first admin key when no admin exists; the secret is returned once, to the launcher. */
export const BootstrapReply = z.object({ created: z.boolean(), secret: z.string().optional(), keyId: KeyId.optional() });
export type BootstrapReply = z.infer<typeof BootstrapReply>;

export const Username = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, "1-64 letters, digits, '_', '.', '@' or '-'");
/** Passwords: long enough to matter, short enough that hashing one is bounded work. */
export const Password = z.string().min(8, "at least 8 characters").max(256);
export const TotpCode = z.string().regex(/^[0-9]{6}$/, "six digits");

export const UserInfo = z.object({
  id: z.string(),
  username: Username,
  role: Role,
  mfaEnabled: z.boolean(),
  createdAt: z.string(),
});
export type UserInfo = z.infer<typeof UserInfo>;

export const SetupStatus = z.object({ needsSetup: z.boolean() });
export type SetupStatus = z.infer<typeof SetupStatus>;
/** The first admin user; refused (conflict) once any user exists. */
export const SetupRequest = z.object({ username: Username, password: Password, client: ClientAddress });
export type SetupRequest = z.infer<typeof SetupRequest>;
export const LoginRequest = z.object({ username: z.string().max(64), password: z.string().max(256), client: ClientAddress });
export type LoginRequest = z.infer<typeof LoginRequest>;
/**
 * A login: the token at once, or, when the user has MFA on, no token and `mfaRequired`. The
 * second step (`MfaLoginRequest`) is accepted only for a user whose password was checked
 * from the same client address in the last few minutes, so a TOTP code alone never logs in.
 */
export const LoginReply = z.object({
  user: UserInfo,
  token: z.string().optional(),
  tokenKeyId: KeyId.optional(),
  mfaRequired: z.boolean(),
});
export type LoginReply = z.infer<typeof LoginReply>;
export const MfaLoginRequest = z.object({ username: z.string().max(64), code: TotpCode, client: ClientAddress });
export type MfaLoginRequest = z.infer<typeof MfaLoginRequest>;
export const UserRef = z.object({ id: z.string().min(1).max(64) });
export type UserRef = z.infer<typeof UserRef>;
/** A new TOTP secret for the user, not yet on: `verify` with a code from it turns MFA on. */
export const MfaSetupReply = z.object({ secret: z.string(), otpauthUri: z.string() });
export type MfaSetupReply = z.infer<typeof MfaSetupReply>;
export const MfaCodeRequest = z.object({ id: z.string().min(1).max(64), code: TotpCode });
export type MfaCodeRequest = z.infer<typeof MfaCodeRequest>;

export const CredentialName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1-64 letters, digits, '_', '.' or '-'");
/** A stored secret as it is shown: never its value, only a mask (`sk-…abcd`). */
export const CredentialInfo = z.object({
  name: CredentialName,
  /** What it is for: `api_key` (a model provider's), `mcp` (an MCP server's), or `secret`. */
  type: z.enum(["api_key", "mcp", "secret"]),
  provider: z.string().max(64).optional(),
  description: z.string().max(1024).optional(),
  /** Settings that are not secret (a base URL, an organisation id), shown as they are. */
  metadata: z.record(z.string().max(64), z.string().max(1024)).default({}),
  masked: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string().optional(),
});
export type CredentialInfo = z.infer<typeof CredentialInfo>;
export const CredentialPutRequest = z.object({
  name: CredentialName,
  value: z
    .string()
    .min(1)
    .max(16 * 1024),
  type: CredentialInfo.shape.type.default("secret"),
  provider: z.string().max(64).optional(),
  description: z.string().max(1024).optional(),
  metadata: z.record(z.string().max(64), z.string().max(1024)).default({}),
  createdBy: z.string().max(128).optional(),
  /** Refuse (conflict) when the name exists: creating, not replacing. */
  create: z.boolean().default(false),
});
export type CredentialPutRequest = z.infer<typeof CredentialPutRequest>;
export const CredentialRef = z.object({ name: CredentialName });
export type CredentialRef = z.infer<typeof CredentialRef>;
export const CredentialList = z.object({ items: z.array(CredentialInfo), total: z.number().int().min(0) });
export type CredentialList = z.infer<typeof CredentialList>;
/** Published when a credential changes, so executors and the mcp service read the new value on the next call. */
export const CredentialChanged = z.object({ name: CredentialName });
export type CredentialChanged = z.infer<typeof CredentialChanged>;

/** One admin action. */
export const AuditEntry = z.object({
  at: z.string(),
  /** Who: the key (and user) that did it. */
  actor: z.object({ keyId: z.string().optional(), name: z.string().optional(), userId: z.string().optional() }),
  action: z.string().max(64),
  target: z.string().max(256),
  requestId: z.string().max(128).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditRecordRequest = AuditEntry.omit({ at: true });
export type AuditRecordRequest = z.infer<typeof AuditRecordRequest>;
export const AuditListRequest = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type AuditListRequest = z.infer<typeof AuditListRequest>;
export const AuditList = z.object({ items: z.array(AuditEntry), total: z.number().int().min(0) });
export type AuditList = z.infer<typeof AuditList>;
