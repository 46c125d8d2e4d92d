import {
  type BootstrapReply,
  hashSecret,
  type KeyChanged,
  type KeyCreated,
  type KeyInfo,
  type KeyLimits,
  type KeyScopes,
  type Role,
} from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Bus, publishJson } from "@switchyard/nats";
import type { Logger } from "@switchyard/telemetry";
import { newKeyId, newSecret, secretPrefix } from "./ids.ts";
import { keyInfo, type StoredKey, secretHashes } from "./key-record.ts";
import type { CreateMode, KeysStore } from "./keys-store.ts";

/** Live login tokens kept per user; a new login past it revokes the oldest. */
export const tokensPerUser = 10;

export interface NewKey {
  name: string;
  role: Role;
  scopes?: KeyScopes;
  limits?: KeyLimits;
  kind?: "key" | "token";
  userId?: string;
  expiresAt?: string;
  createdBy?: string;
}

export interface KeyUpdate {
  name?: string;
  disabled?: boolean;
  limits?: KeyLimits;
  scopes?: KeyScopes;
}

export interface KeysDeps {
  store: KeysStore;
  bus: Bus;
  logger: Logger;
  maxKeys: number;
}

export type Keys = ReturnType<typeof createKeys>;

/**
 * API keys and login tokens. Every change is published as `KeyChanged` (all the hashes
 * involved) and flushed before the caller hears back, so every gateway has dropped what
 * it cached for those secrets by the time the change is reported done.
 */
export function createKeys(deps: KeysDeps) {
  const { store, bus } = deps;
  const notFound = (id: string) => new AppError("not_found", `API key '${id}' does not exist`);

  async function announce(changes: readonly KeyChanged[]): Promise<void> {
    if (changes.length === 0) return;
    for (const change of changes) publishJson(bus.nats, bus.subjects.event("accessKeyChanged"), change);
    await bus.nats.flush();
  }

  function stored(input: NewKey, secret: string): StoredKey {
    return {
      id: newKeyId(),
      name: input.name,
      prefix: secretPrefix(secret),
      role: input.role,
      scopes: JSON.stringify(input.scopes ?? {}),
      limits: JSON.stringify(input.limits ?? {}),
      kind: input.kind ?? "key",
      userId: input.userId,
      disabled: "0",
      createdAt: new Date().toISOString(),
      createdBy: input.createdBy,
      expiresAt: input.expiresAt,
      expiresAtMs: input.expiresAt === undefined ? undefined : String(Date.parse(input.expiresAt)),
      secretHash: hashSecret(secret),
    };
  }

  /** Writes a key; undefined when the mode's condition found one already (seed, bootstrap). */
  async function write(input: NewKey, mode: CreateMode, secret: string): Promise<KeyCreated | undefined> {
    const key = stored(input, secret);
    const { outcome, revoked } = await store.create(key, mode, tokensPerUser);
    const changes = revoked.map(({ keyId, secretHashes }) => ({ keyId, secretHashes }));
    if (outcome === "created") changes.push({ keyId: key.id, secretHashes: [key.secretHash] });
    await announce(changes);
    if (outcome === "full") throw new AppError("conflict", `at most ${deps.maxKeys} API keys and tokens may exist; revoke some first`);
    return outcome === "created" ? { key: keyInfo(key), secret } : undefined;
  }

  return {
    async create(input: NewKey): Promise<KeyCreated> {
      const created = await write(input, "create", newSecret());
      if (!created) throw new AppError("internal", "the key was not created");
      return created;
    },

    async get(id: string): Promise<KeyInfo> {
      const key = await store.get(id);
      if (!key) throw notFound(id);
      return keyInfo(key);
    },

    async list(limit: number, offset: number): Promise<{ items: KeyInfo[]; total: number }> {
      const { items, total } = await store.list(limit, offset);
      return { items: items.map(keyInfo), total };
    },

    async update(id: string, update: KeyUpdate): Promise<KeyInfo> {
      const fields: Record<string, string> = {};
      if (update.name !== undefined) fields.name = update.name;
      if (update.disabled !== undefined) fields.disabled = update.disabled ? "1" : "0";
      if (update.limits !== undefined) fields.limits = JSON.stringify(update.limits);
      if (update.scopes !== undefined) fields.scopes = JSON.stringify(update.scopes);
      const key = await store.update(id, fields);
      if (!key) throw notFound(id);
      if (Object.keys(fields).length > 0) await announce([{ keyId: id, secretHashes: secretHashes(key) }]);
      return keyInfo(key);
    },

    async remove(id: string): Promise<void> {
      const hashes = await store.remove(id);
      if (!hashes) throw notFound(id);
      await announce([{ keyId: id, secretHashes: hashes }]);
    },

    async rotate(id: string, graceSeconds: number): Promise<KeyCreated> {
      const secret = newSecret();
      const rotated = await store.rotate(id, hashSecret(secret), secretPrefix(secret), graceSeconds * 1000);
      if (!rotated) throw notFound(id);
      await announce([{ keyId: id, secretHashes: rotated.secretHashes }]);
      return { key: keyInfo(rotated.key), secret };
    },

    /** The first admin key, when no enabled admin key and no admin user exists; its secret is shown once. */
    async bootstrap(): Promise<BootstrapReply> {
      const created = await write({ name: "admin", role: "admin" }, "bootstrap", newSecret());
      return created ? { created: true, secret: created.secret, keyId: created.key.id } : { created: false };
    },

    /** The configured admin secret as the key "bootstrap"; nothing when that secret is known already. */
    async seed(secret: string): Promise<void> {
      const created = await write({ name: "bootstrap", role: "admin" }, "seed", secret);
      if (created) deps.logger.info({ keyId: created.key.id, prefix: created.key.prefix }, "admin key seeded from SWITCHYARD_ADMIN_KEY");
    },
  };
}
