import { pairs, type Redis } from "@switchyard/redis";
import { type Tracer, withSpan } from "@switchyard/telemetry";
import { z } from "zod";
import { keyFields, readStoredKey, type StoredKey } from "./key-record.ts";
import { createKeyScript, deleteKeyScript, rotateKeyScript, updateKeyScript } from "./keys-lua.ts";
import { layout } from "./layout.ts";

export type CreateMode = "create" | "seed" | "bootstrap";

/** A token revoked to make room (or because it expired), with the hashes gateways may have cached for it. */
export interface Revoked {
  keyId: string;
  secretHashes: string[];
}

export type CreateOutcome = { outcome: "created" | "exists" | "full"; revoked: Revoked[] };

const Outcome = z.enum(["created", "exists", "full"]);
const CreateReply = z.union([z.tuple([Outcome]), z.tuple([Outcome, z.array(z.array(z.string()))])]);
const Flat = z.array(z.string());
const RotateReply = z.tuple([Flat, Flat]);

export interface KeysStore {
  create(key: StoredKey, mode: CreateMode, tokensPerUser: number): Promise<CreateOutcome>;
  get(id: string): Promise<StoredKey | undefined>;
  list(limit: number, offset: number): Promise<{ items: StoredKey[]; total: number }>;
  /** Sets the given fields; undefined when the key does not exist. */
  update(id: string, fields: Record<string, string>): Promise<StoredKey | undefined>;
  /** The hashes the key had; undefined when it did not exist. */
  remove(id: string): Promise<string[] | undefined>;
  rotate(id: string, secretHash: string, prefix: string, graceMs: number): Promise<{ key: StoredKey; secretHashes: string[] } | undefined>;
}

export function createKeysStore(redis: Redis, tracer: Tracer, maxKeys: number): KeysStore {
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis access.key.${operation}`, { "db.system": "redis", "db.operation": operation }, work);

  return {
    create: (key, mode, tokensPerUser) =>
      span("create", async () => {
        const isToken = key.kind === "token" && key.userId !== undefined;
        const reply = await createKeyScript.run(
          redis,
          [layout.keys, layout.secrets, layout.key(key.id), layout.adminKeys, layout.userTokens(key.userId ?? "-"), layout.adminUsers],
          [
            mode,
            maxKeys,
            key.id,
            key.secretHash,
            Date.parse(key.createdAt),
            key.role === "admin" && key.kind === "key" ? "1" : "0",
            isToken ? tokensPerUser : 0,
            layout.key(""),
            ...keyFields(key),
          ],
        );
        const [outcome, revoked = []] = CreateReply.parse(reply);
        return {
          outcome,
          revoked: revoked.map(([keyId = "", ...secretHashes]) => ({ keyId, secretHashes })),
        };
      }),
    get: (id) =>
      span("get", async () => {
        const fields = await redis.hgetall(layout.key(id));
        return Object.keys(fields).length === 0 ? undefined : readStoredKey(fields);
      }),
    list: (limit, offset) =>
      span("list", async () => {
        const [ids, total] = await Promise.all([redis.zrevrange(layout.keys, offset, offset + limit - 1), redis.zcard(layout.keys)]);
        const pipeline = redis.pipeline();
        for (const id of ids) pipeline.hgetall(layout.key(id));
        const results = (await pipeline.exec()) ?? [];
        const items: StoredKey[] = [];
        for (const [error, fields] of results) {
          if (error) throw error;
          // A key revoked between the two reads is simply not listed.
          const record = z.record(z.string(), z.string()).parse(fields);
          if (Object.keys(record).length > 0) items.push(readStoredKey(record));
        }
        return { items, total };
      }),
    update: (id, fields) =>
      span("update", async () => {
        const reply = await updateKeyScript.run(redis, [layout.key(id)], Object.entries(fields).flat());
        return reply === null ? undefined : readStoredKey(pairs(Flat.parse(reply)));
      }),
    remove: (id) =>
      span("remove", async () => {
        const reply = await deleteKeyScript.run(
          redis,
          [layout.key(id), layout.keys, layout.secrets, layout.adminKeys, layout.requests(id), layout.tokens(id), layout.runs(id)],
          [id, layout.userTokens("")],
        );
        return reply === null ? undefined : Flat.parse(reply);
      }),
    rotate: (id, secretHash, prefix, graceMs) =>
      span("rotate", async () => {
        const reply = await rotateKeyScript.run(redis, [layout.key(id), layout.secrets], [id, secretHash, prefix, graceMs]);
        if (reply === null) return undefined;
        const [secretHashes, fields] = RotateReply.parse(reply);
        return { key: readStoredKey(pairs(fields)), secretHashes };
      }),
  };
}
