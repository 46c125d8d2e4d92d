import { tmpdir } from "node:os";
import { mcpLimits } from "@switchyard/contracts";
import { createGrpcServer, serveMcp } from "@switchyard/grpc";
import { type Bus, publishJson } from "@switchyard/nats";
import { createOutboundGuard } from "@switchyard/net";
import type { Redis } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { loadCatalog } from "./catalog.ts";
import { type McpConfig, serviceSettingNames } from "./config.ts";
import { loadConfigServers } from "./config-file.ts";
import { mcpImplementation } from "./grpc-service.ts";
import { serveMcpRequests } from "./nats-handlers.ts";
import { createServerTable } from "./servers.ts";
import { createMcpStore } from "./store.ts";
import type { Backoff } from "./supervisor.ts";

export interface McpServiceDeps {
  config: McpConfig;
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  instance: string;
  /** Where `${NAME}` values come from (the service's environment). */
  env: NodeJS.ProcessEnv;
  /** HOME and working directory of stdio servers; the OS temp directory by default. */
  serverHome?: string;
}

export interface McpService {
  /** Starts config, restored and enabled servers (first attempts settled), then serves. */
  start(): Promise<{ grpcPort: number }>;
  stop(): Promise<void>;
}

/** The only owner of MCP connections: management over NATS, tools over gRPC. */
export function createMcpService(deps: McpServiceDeps): McpService {
  const { bus, logger, tracer, config } = deps;
  const backoff: Backoff = {
    initialMs: config.MCP_RESTART_INITIAL_MS,
    maxMs: config.MCP_RESTART_MAX_MS,
    resetAfterMs: config.MCP_RESTART_RESET_MS,
  };
  // One guard for every server added over the API: the URL check on add/update and the fetch their transports use.
  const guard = createOutboundGuard({ allow: config.MCP_OUTBOUND_ALLOW, allowSetting: "MCP_OUTBOUND_ALLOW" });
  const table = createServerTable({
    store: createMcpStore(deps.redis, tracer),
    logger,
    launchContext: { serviceEnv: deps.env, home: deps.serverHome ?? tmpdir(), guardedFetch: guard.fetch },
    supervision: { handshakeTimeoutMs: config.MCP_HANDSHAKE_TIMEOUT_MS, pingIntervalMs: config.MCP_PING_INTERVAL_MS, backoff },
    protectedNames: serviceSettingNames,
    maxServers: mcpLimits.servers,
    checkUrl: guard.checkUrl,
    onChange: (id, source, state) => {
      const event = {
        id,
        isRunning: state.isRunning,
        isCatalog: source === "catalog",
        ...(state.lastError ? { lastError: state.lastError } : {}),
      };
      try {
        publishJson(bus.nats, bus.subjects.event("mcpServerChanged"), event);
      } catch (error) {
        // Events are a courtesy: a closed connection during shutdown must not break supervision.
        logger.debug({ err: error instanceof Error ? error.message : String(error), server: id }, "server change not published");
      }
    },
  });
  const grpc = createGrpcServer();
  serveMcp(grpc, mcpImplementation(table, { logger, tracer, callTimeoutMs: config.MCP_CALL_TIMEOUT_MS }), { logger, tracer });
  let subscriptions: { unsubscribe(): void }[] = [];

  return {
    async start() {
      const configSpecs = config.MCP_CONFIG_PATH ? await loadConfigServers(config.MCP_CONFIG_PATH, serviceSettingNames, logger) : [];
      const catalogSpecs = await loadCatalog(config.MCP_CATALOG_PATH, serviceSettingNames, logger);
      await table.start(configSpecs, catalogSpecs);
      subscriptions = serveMcpRequests({ bus, table, logger, tracer, instance: deps.instance });
      const grpcPort = await grpc.listen(config.MCP_GRPC_ADDRESS);
      return { grpcPort };
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
      await table.stop();
      await guard.dispatcher.destroy();
    },
  };
}
