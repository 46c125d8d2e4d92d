import { CredentialInfo, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { defineScript, pairs, type Redis } from "@switchyard/redis";
import { type Tracer, withSpan } from "@switchyard/telemetry";
import { z } from "zod";
import { layout } from "./layout.ts";
import type { Sealed } from "./secret-box.ts";

/**
 * Stores a credential in one step: refused when creating over an existing name, or when
 * a new name would pass the cap; a replacement keeps the original createdAt and createdBy
 * and drops fields the new version no longer has.
 * KEYS: the credential's hash, the names index. ARGV: create ('1'), max, name, createdAt,
 * createdBy ('' none), then field/value pairs. Returns {'exists'} | {'full'} | {'ok', fields}.
 */
const putScript = defineScript(`
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists and ARGV[1] == '1' then return {'exists'} end
if not exists and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return {'full'} end
local createdAt, createdBy = ARGV[4], ARGV[5]
if exists then
  local kept = redis.call('HMGET', KEYS[1], 'createdAt', 'createdBy')
  createdAt = kept[1] or createdAt
  createdBy = kept[2] or ''
end
redis.call('DEL', KEYS[1])
local fields = {'createdAt', createdAt}
if createdBy ~= '' then table.insert(fields, 'createdBy'); table.insert(fields, createdBy) end
for i = 6, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], 0, ARGV[3])
return {'ok', redis.call('HGETALL', KEYS[1])}
`);

const deleteScript = defineScript(`
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`);

const PutReply = z.union([z.tuple([z.enum(["exists", "full"])]), z.tuple([z.literal("ok"), z.array(z.string())])]);

/** A credential's hash: its info as shown, and the sealed value beside it (never the plaintext). */
const StoredCredential = z.object({
  name: z.string(),
  type: CredentialInfo.shape.type,
  provider: z.string().optional(),
  description: z.string().optional(),
  metadata: z.string(),
  masked: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string().optional(),
  iv: z.string(),
  tag: z.string(),
  ciphertext: z.string(),
});
type StoredCredential = z.infer<typeof StoredCredential>;

const corrupt = (detail: string) => new AppError("internal", `a stored credential is unreadable: ${detail}`);

function read(fields: Record<string, string>): StoredCredential {
  const parsed = StoredCredential.safeParse(fields);
  if (!parsed.success) throw corrupt(parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

function info(stored: StoredCredential): CredentialInfo {
  return {
    name: stored.name,
    type: stored.type,
    provider: stored.provider,
    description: stored.description,
    metadata: parseJson(z.record(z.string(), z.string()), stored.metadata, corrupt),
    masked: stored.masked,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    createdBy: stored.createdBy,
  };
}

/** What a put writes besides the times and the creator. */
export interface CredentialWrite {
  name: string;
  type: CredentialInfo["type"];
  provider?: string;
  description?: string;
  metadata: Record<string, string>;
  masked: string;
  updatedAt: string;
  createdBy?: string;
  sealed: Sealed;
}

export function createCredentialsStore(redis: Redis, tracer: Tracer, maxCredentials: number) {
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis access.credential.${operation}`, { "db.system": "redis", "db.operation": operation }, work);

  return {
    put: (write: CredentialWrite, create: boolean) =>
      span("put", async (): Promise<CredentialInfo | "exists" | "full"> => {
        const fields: string[] = ["name", write.name, "type", write.type, "metadata", JSON.stringify(write.metadata)];
        if (write.provider !== undefined) fields.push("provider", write.provider);
        if (write.description !== undefined) fields.push("description", write.description);
        fields.push("masked", write.masked, "updatedAt", write.updatedAt);
        fields.push("iv", write.sealed.iv, "tag", write.sealed.tag, "ciphertext", write.sealed.ciphertext);
        const reply = PutReply.parse(
          await putScript.run(
            redis,
            [layout.credential(write.name), layout.credentials],
            [create ? "1" : "0", maxCredentials, write.name, write.updatedAt, write.createdBy ?? "", ...fields],
          ),
        );
        return reply[0] === "ok" ? info(read(pairs(reply[1]))) : reply[0];
      }),
    get: (name: string) =>
      span("get", async (): Promise<{ info: CredentialInfo; sealed: Sealed } | undefined> => {
        const fields = await redis.hgetall(layout.credential(name));
        if (Object.keys(fields).length === 0) return undefined;
        const stored = read(fields);
        return { info: info(stored), sealed: { iv: stored.iv, tag: stored.tag, ciphertext: stored.ciphertext } };
      }),
    list: (limit: number, offset: number) =>
      span("list", async (): Promise<{ items: CredentialInfo[]; total: number }> => {
        // Every score is 0, so the set is in name order.
        const [names, total] = await Promise.all([
          redis.zrange(layout.credentials, offset, offset + limit - 1),
          redis.zcard(layout.credentials),
        ]);
        const pipeline = redis.pipeline();
        for (const name of names) pipeline.hgetall(layout.credential(name));
        const items: CredentialInfo[] = [];
        for (const [error, fields] of (await pipeline.exec()) ?? []) {
          if (error) throw error;
          const record = z.record(z.string(), z.string()).parse(fields);
          if (Object.keys(record).length > 0) items.push(info(read(record)));
        }
        return { items, total };
      }),
    remove: (name: string) =>
      span("remove", async () => (await deleteScript.run(redis, [layout.credential(name), layout.credentials], [name])) === 1),
  };
}

export type CredentialsStore = ReturnType<typeof createCredentialsStore>;
