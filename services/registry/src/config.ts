import { type CommonConfig, grpcAddressEnv, modelEnv, redisEnv } from "@switchyard/config";
import { z } from "zod";

export const registryEnv = {
  ...modelEnv,
  ...redisEnv,
  /** Where the registry's gRPC server binds (executors reach it there). */
  REGISTRY_GRPC_ADDRESS: grpcAddressEnv.REGISTRY_GRPC_ADDRESS,
  /** The mcp service, asked whether the MCP servers agents name exist. */
  MCP_GRPC_ADDRESS: grpcAddressEnv.MCP_GRPC_ADDRESS,
  /** Definitions (*.yaml, *.yml, *.json) deployed at start. */
  SWITCHYARD_PIPELINES_DIR: z.string().optional(),
  /** Most definitions the registry will hold. */
  REGISTRY_MAX_DEFINITIONS: z.coerce.number().int().positive().default(10_000),
};

export type RegistryConfig = z.infer<z.ZodObject<typeof registryEnv>> & CommonConfig;
