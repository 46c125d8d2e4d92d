import { join } from "node:path";
import { parseEnv } from "@switchyard/config";
import { repoRoot } from "@switchyard/local";
import { z } from "zod";

export const embeddedEnv = {
  /** Used when set and reachable; otherwise a local server is started. */
  NATS_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  /** Where local NATS and Redis keep their data (git-ignored). */
  SWITCHYARD_DATA_DIR: z.string().default(join(repoRoot, ".switchyard", "data")),
  SWITCHYARD_PIPELINES_DIR: z.string().default(join(repoRoot, "examples")),
  /** MCP servers to start (the `{"mcpServers": …}` format). */
  MCP_CONFIG_PATH: z.string().default(join(repoRoot, "examples", "mcp.json")),
  SWITCHYARD_EXECUTORS: z.coerce.number().int().min(1).max(16).default(1),
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(1416),
  /** The credentials store's key; without one, a key kept in the data directory. */
  SWITCHYARD_SECRET_KEY: z.string().optional(),
  /** An admin key to seed; without one, the first start makes one and prints it once. */
  SWITCHYARD_ADMIN_KEY: z.string().optional(),
};

export type EmbeddedConfig = ReturnType<typeof loadEmbeddedConfig>;

export function loadEmbeddedConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(embeddedEnv, env);
}
