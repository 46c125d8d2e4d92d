import { createModelCatalog } from "@switchyard/config";
import { createMcpClient } from "@switchyard/grpc";
import { runService } from "@switchyard/runtime";
import { registryEnv } from "./config.ts";
import { createRegistry } from "./registry.ts";

await runService(
  {
    name: "registry",
    env: registryEnv,
    create: async ({ config, env, redis, own, ...context }) =>
      createRegistry({
        ...context,
        config,
        redis: await redis(config.REDIS_URL),
        modelAliases: createModelCatalog(config, env).aliases(),
        mcp: own(createMcpClient(config.MCP_GRPC_ADDRESS)),
      }),
  },
  process.env,
);
