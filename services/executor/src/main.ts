import { createModelCatalog } from "@switchyard/config";
import { createAccessClient, createMcpClient, createRegistryClient, createSessionClient } from "@switchyard/grpc";
import { runService } from "@switchyard/runtime";
import { executorEnv } from "./config.ts";
import { createExecutor } from "./executor.ts";

await runService(
  {
    name: "executor",
    env: executorEnv,
    create: async ({ config, env, own, ...context }) =>
      createExecutor({
        ...context,
        redis: await context.redis(config.REDIS_URL),
        config,
        models: createModelCatalog(config, env),
        registry: own(createRegistryClient(config.REGISTRY_GRPC_ADDRESS)),
        mcp: own(createMcpClient(config.MCP_GRPC_ADDRESS)),
        sessions: own(createSessionClient(config.SESSION_GRPC_ADDRESS)),
        access: own(createAccessClient(config.ACCESS_GRPC_ADDRESS)),
      }),
  },
  process.env,
);
