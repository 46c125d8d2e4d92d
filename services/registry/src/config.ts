import { commonEnv, modelEnv, parseEnv } from "@switchyard/config";
import { z } from "zod";

export const registryEnv = {
  ...commonEnv,
  ...modelEnv,
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  /** Where executors reach the registry's gRPC server. */
  REGISTRY_GRPC_ADDRESS: z.string().default("127.0.0.1:50051"),
  /** The mcp service, asked whether the MCP servers agents name exist. */
  MCP_GRPC_ADDRESS: z.string().default("127.0.0.1:50052"),
  /** Definitions (*.yaml, *.yml, *.json) deployed at start. */
  SWITCHYARD_PIPELINES_DIR: z.string().optional(),
  /** Most definitions the registry will hold. */
  REGISTRY_MAX_DEFINITIONS: z.coerce.number().int().positive().default(10_000),
};

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(registryEnv, env);
}
