import { runService } from "@switchyard/runtime";
import { mcpEnv, serviceSettingNames } from "./config.ts";
import { createMcpService } from "./mcp-service.ts";

await runService(
  {
    name: "mcp",
    env: mcpEnv,
    create: ({ config, env, bus, logger, tracer, instance, redis }) =>
      createMcpService({
        bus,
        redis: redis(config.REDIS_URL),
        logger,
        tracer,
        instance,
        grpcAddress: config.MCP_GRPC_ADDRESS,
        configPath: config.MCP_CONFIG_PATH,
        catalogPath: config.MCP_CATALOG_PATH,
        handshakeTimeoutMs: config.MCP_HANDSHAKE_TIMEOUT_MS,
        callTimeoutMs: config.MCP_CALL_TIMEOUT_MS,
        pingIntervalMs: config.MCP_PING_INTERVAL_MS,
        backoff: { initialMs: config.MCP_RESTART_INITIAL_MS, maxMs: config.MCP_RESTART_MAX_MS, resetAfterMs: config.MCP_RESTART_RESET_MS },
        serviceEnv: env,
        protectedNames: serviceSettingNames,
      }),
  },
  process.env,
);
