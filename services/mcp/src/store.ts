import { McpServerInput, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Redis } from "@switchyard/redis";
import { type Tracer, withSpan } from "@switchyard/telemetry";

/** Redis keys owned by the mcp service. */
const keys = {
  /** hash id → McpServerInput JSON of a server added at runtime. */
  servers: "sy:mcp:servers",
  /** set of enabled catalog ids. */
  enabledCatalog: "sy:mcp:catalog:enabled",
};

export interface StoredServer {
  id: string;
  /** Parsed, or the reason it could not be. */
  input?: McpServerInput;
  invalid?: string;
}

/** What survives a restart: runtime-added servers and which catalog entries are enabled. */
export interface McpStore {
  putServer(input: McpServerInput): Promise<void>;
  removeServer(id: string): Promise<void>;
  servers(): Promise<StoredServer[]>;
  enable(id: string): Promise<void>;
  disable(id: string): Promise<void>;
  enabledCatalog(): Promise<string[]>;
}

export function createMcpStore(redis: Redis, tracer: Tracer): McpStore {
  const span = <T>(operation: string, work: () => Promise<T>) =>
    withSpan(tracer, `redis ${operation}`, { "db.system": "redis", "db.operation": operation }, work);
  return {
    putServer: (input) => span("hset", async () => void (await redis.hset(keys.servers, input.id, JSON.stringify(input)))),
    removeServer: (id) => span("hdel", async () => void (await redis.hdel(keys.servers, id))),
    servers: () =>
      span("hgetall", async () =>
        Object.entries(await redis.hgetall(keys.servers)).map(([id, json]): StoredServer => {
          try {
            return { id, input: parseJson(McpServerInput, json, (detail) => new AppError("invalid_request", detail)) };
          } catch (error) {
            return { id, invalid: error instanceof Error ? error.message : "invalid" };
          }
        }),
      ),
    enable: (id) => span("sadd", async () => void (await redis.sadd(keys.enabledCatalog, id))),
    disable: (id) => span("srem", async () => void (await redis.srem(keys.enabledCatalog, id))),
    enabledCatalog: () => span("smembers", () => redis.smembers(keys.enabledCatalog)),
  };
}
