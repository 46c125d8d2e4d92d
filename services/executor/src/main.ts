import { createModelCatalog } from "@switchyard/config";
import { createMcpClient, createRegistryClient, createSessionClient } from "@switchyard/grpc";
import { runService } from "@switchyard/runtime";
import { createSessionMemory } from "./agent/memory.ts";
import { executorEnv } from "./config.ts";
import { createExecutor } from "./executor.ts";
import { createProviderSet } from "./providers/index.ts";
import { createToolCaller } from "./tool-caller.ts";

await runService(
  {
    name: "executor",
    env: executorEnv,
    create: ({ config, env, bus, logger, tracer, instance, own }) => {
      const models = createModelCatalog(config, env);
      return createExecutor({
        bus,
        logger,
        tracer,
        instance,
        models,
        registry: own(createRegistryClient(config.REGISTRY_GRPC_ADDRESS)),
        providers: createProviderSet(models, config.EXECUTOR_PROVIDER_TIMEOUT_MS),
        tools: createToolCaller(own(createMcpClient(config.MCP_GRPC_ADDRESS)), config.EXECUTOR_TOOL_TIMEOUT_MS),
        memory: createSessionMemory(own(createSessionClient(config.SESSION_GRPC_ADDRESS)), config.EXECUTOR_GRPC_DEADLINE_MS),
        maxRuns: config.EXECUTOR_MAX_RUNS,
        definitionTtlMs: config.EXECUTOR_DEFINITION_TTL_MS,
        grpcDeadlineMs: config.EXECUTOR_GRPC_DEADLINE_MS,
      });
    },
  },
  process.env,
);
