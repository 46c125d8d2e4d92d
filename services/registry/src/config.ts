import { type CommonConfig, grpcAddressEnv, modelEnv, redisEnv, sandboxEnv } from "@switchyard/config";
import { z } from "zod";

export const registryEnv = {
  ...modelEnv,
  ...redisEnv,
  ...sandboxEnv,
  /** Where the registry's gRPC server binds (executors reach it there). */
  REGISTRY_GRPC_ADDRESS: grpcAddressEnv.REGISTRY_GRPC_ADDRESS,
  /** The mcp service, asked whether the MCP servers agents name exist. */
  MCP_GRPC_ADDRESS: grpcAddressEnv.MCP_GRPC_ADDRESS,
  /** Definitions (*.yaml, *.yml, *.json) deployed at start. */
  SWITCHYARD_PIPELINES_DIR: z.string().optional(),
  /**
   * How long a deploy may take to validate; past it nothing is stored and the caller hears
   * `timeout`. Keep it below the gateway's GATEWAY_REQUEST_TIMEOUT_MS (5 s by default), so a
   * deploy is never stored after the caller was told it failed.
   */
  REGISTRY_DEPLOY_TIMEOUT_MS: z.coerce.number().int().positive().default(4000),
  /** Most definitions the registry will hold. */
  REGISTRY_MAX_DEFINITIONS: z.coerce.number().int().positive().default(10_000),
};

export type RegistryConfig = z.infer<z.ZodObject<typeof registryEnv>> & CommonConfig;
