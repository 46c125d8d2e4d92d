import { createModelCatalog } from "@switchyard/config";
import { createMcpClient } from "@switchyard/grpc";
import { runService } from "@switchyard/runtime";
import { registryEnv } from "./config.ts";
import { createRegistry } from "./registry.ts";

await runService(
  {
    name: "registry",
    env: registryEnv,
    create: ({ config, env, bus, logger, tracer, instance, redis, own }) =>
      createRegistry({
        bus,
        redis: redis(config.REDIS_URL),
        logger,
        tracer,
        instance,
        modelAliases: createModelCatalog(config, env).aliases(),
        mcp: own(createMcpClient(config.MCP_GRPC_ADDRESS)),
        grpcAddress: config.REGISTRY_GRPC_ADDRESS,
        maxDefinitions: config.REGISTRY_MAX_DEFINITIONS,
        pipelinesDir: config.SWITCHYARD_PIPELINES_DIR,
      }),
  },
  process.env,
);
