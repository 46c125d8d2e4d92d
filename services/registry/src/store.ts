import { DefinitionRecord, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Redis } from "@switchyard/redis";
import type { Tracer } from "@switchyard/telemetry";
import { withSpan } from "@switchyard/telemetry";

/** Redis keys owned by the registry. */
const keys = {
  definitions: "sy:registry:definitions",
  versions: "sy:registry:versions",
  history: (name: string) => `sy:registry:history:${name}`,
};

/** Older versions kept per name. */
const historyLength = 20;

// Atomic write: refuses an existing name unless overwriting, never lets an older version
// replace a newer one, and keeps the replaced record in the capped history list.
const putScript = `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  if ARGV[3] ~= '1' then return 'exists' end
  if cjson.decode(existing).version > tonumber(ARGV[4]) then return 'stale' end
  redis.call('LPUSH', KEYS[2], existing)
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then
  return 'full'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'ok'
`;

const deleteScript = `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], existing)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
return existing
`;

export type NewRecord = Omit<DefinitionRecord, "version" | "deployedAt">;

export interface DefinitionStore {
  put(record: NewRecord, overwrite: boolean): Promise<DefinitionRecord>;
  remove(name: string): Promise<DefinitionRecord | null>;
  get(name: string): Promise<DefinitionRecord | null>;
  list(limit: number, offset: number): Promise<{ items: DefinitionRecord[]; total: number }>;
}

export function createDefinitionStore(redis: Redis, tracer: Tracer, maxDefinitions: number): DefinitionStore {
  const corrupt = (detail: string) => new AppError("internal", `a stored definition is unreadable: ${detail}`);
  const parse = (json: string) => parseJson(DefinitionRecord, json, corrupt);
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis ${operation}`, { "db.system": "redis", "db.operation": operation }, work);

  return {
    put: (record, overwrite) =>
      span("put", async () => {
        const version = await redis.hincrby(keys.versions, record.name, 1);
        const stored: DefinitionRecord = { ...record, version, deployedAt: new Date().toISOString() };
        const outcome = await redis.eval(
          putScript,
          2,
          keys.definitions,
          keys.history(record.name),
          record.name,
          JSON.stringify(stored),
          overwrite ? "1" : "0",
          String(version),
          String(historyLength),
          String(maxDefinitions),
        );
        if (outcome === "exists") {
          throw new AppError("conflict", `'${record.name}' is already deployed; set overwrite to replace it`, { param: "name" });
        }
        if (outcome === "stale") throw new AppError("conflict", `a newer version of '${record.name}' was deployed at the same time`);
        if (outcome === "full") throw new AppError("conflict", `the registry holds its limit of ${maxDefinitions} definitions`);
        return stored;
      }),
    remove: (name) =>
      span("remove", async () => {
        const existing = await redis.eval(deleteScript, 2, keys.definitions, keys.history(name), name, String(historyLength));
        return typeof existing === "string" ? parse(existing) : null;
      }),
    get: (name) =>
      span("get", async () => {
        const json = await redis.hget(keys.definitions, name);
        return json === null ? null : parse(json);
      }),
    list: (limit, offset) =>
      span("list", async () => {
        const names = (await redis.hkeys(keys.definitions)).sort();
        const page = names.slice(offset, offset + limit);
        const values = page.length ? await redis.hmget(keys.definitions, ...page) : [];
        const items = values.filter((value): value is string => value !== null).map(parse);
        return { items, total: names.length };
      }),
  };
}
