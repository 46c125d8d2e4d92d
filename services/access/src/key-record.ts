import { type KeyInfo, KeyLimits, KeyScopes, parseJson, Role } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";

/**
 * A key as its Redis hash holds it. Times the scripts compare with Redis's clock are
 * kept in milliseconds (`expiresAtMs`, `previousSecretValidUntilMs`, `lastUsedAtMs`);
 * the secrets only as SHA-256 hashes.
 */
export const StoredKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: Role,
  scopes: z.string(),
  limits: z.string(),
  kind: z.enum(["key", "token"]),
  userId: z.string().optional(),
  disabled: z.enum(["0", "1"]),
  createdAt: z.string(),
  createdBy: z.string().optional(),
  expiresAt: z.string().optional(),
  expiresAtMs: z.string().optional(),
  secretHash: z.string(),
  previousSecretHash: z.string().optional(),
  previousSecretValidUntilMs: z.string().optional(),
  lastUsedAtMs: z.string().optional(),
});
export type StoredKey = z.infer<typeof StoredKey>;

const corrupt = (detail: string) => new AppError("internal", `a stored API key is unreadable: ${detail}`);

export function readStoredKey(fields: Record<string, string>): StoredKey {
  const parsed = StoredKey.safeParse(fields);
  if (!parsed.success) throw corrupt(parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

const isoFromMs = (ms: string | undefined) => (ms === undefined ? undefined : new Date(Number(ms)).toISOString());

export function keyInfo(stored: StoredKey): KeyInfo {
  return {
    id: stored.id,
    name: stored.name,
    prefix: stored.prefix,
    role: stored.role,
    scopes: parseJson(KeyScopes, stored.scopes, corrupt),
    limits: parseJson(KeyLimits, stored.limits, corrupt),
    kind: stored.kind,
    userId: stored.userId,
    disabled: stored.disabled === "1",
    createdAt: stored.createdAt,
    createdBy: stored.createdBy,
    expiresAt: stored.expiresAt,
    previousSecretValidUntil: isoFromMs(stored.previousSecretValidUntilMs),
    lastUsedAt: isoFromMs(stored.lastUsedAtMs),
  };
}

/** Every secret hash a key answers to now: what gateways may have cached for it. */
export function secretHashes(stored: StoredKey): string[] {
  return stored.previousSecretHash ? [stored.secretHash, stored.previousSecretHash] : [stored.secretHash];
}

/** A new key's hash fields, flattened for HSET; absent optional fields are left out. */
export function keyFields(key: StoredKey): string[] {
  const flat: string[] = [];
  for (const [field, value] of Object.entries(key)) if (value !== undefined) flat.push(field, value);
  return flat;
}
