import { createHash } from "node:crypto";
import type { Redis } from "./client.ts";

export type ScriptArg = string | number;

/** A Lua script run by its SHA (EVALSHA), sent in full only when the server does not have it yet. */
export interface Script {
  run(redis: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown>;
}

export function defineScript(lua: string): Script {
  const sha = createHash("sha1").update(lua, "utf8").digest("hex");
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        // A restarted or flushed server has forgotten it; EVAL loads it again.
        if (error instanceof Error && error.message.startsWith("NOSCRIPT")) return redis.eval(lua, keys.length, ...keys, ...args);
        throw error;
      }
    },
  };
}

/** The Lua lines that read Redis's own clock in milliseconds, so every caller's decision uses the same clock. */
export const luaNow = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/** HGETALL's flat reply as a record. */
export function pairs(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const field = flat[index];
    const value = flat[index + 1];
    if (field !== undefined && value !== undefined) record[field] = value;
  }
  return record;
}
