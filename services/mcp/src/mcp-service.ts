import { tmpdir } from "node:os";
import { mcpLimits } from "@switchyard/contracts";
import { createGrpcServer, serveMcp } from "@switchyard/grpc";
import { type Bus, publishJson } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { loadCatalog } from "./catalog.ts";
import { loadConfigServers } from "./config-file.ts";
import { mcpImplementation } from "./grpc-service.ts";
import { serveMcpRequests } from "./nats-handlers.ts";
import { createServerTable } from "./servers.ts";
import { createMcpStore } from "./store.ts";
import type { Backoff } from "./supervisor.ts";

export interface McpServiceDeps {
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  instance: string;
  grpcAddress: string;
  configPath?: string;
  catalogPath: string;
  handshakeTimeoutMs: number;
  callTimeoutMs: number;
  pingIntervalMs: number;
  backoff: Backoff;
  /** Where `${NAME}` values come from (the service's environment). */
  serviceEnv: NodeJS.ProcessEnv;
  /** Settings of the service that servers may not read through `${NAME}`. */
  protectedNames: readonly string[];
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
  const { bus, logger, tracer } = deps;
  const table = createServerTable({
    store: createMcpStore(deps.redis, tracer),
    logger,
    launchContext: { serviceEnv: deps.serviceEnv, home: deps.serverHome ?? tmpdir() },
    supervision: { handshakeTimeoutMs: deps.handshakeTimeoutMs, pingIntervalMs: deps.pingIntervalMs, backoff: deps.backoff },
    protectedNames: deps.protectedNames,
    maxServers: mcpLimits.servers,
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
  serveMcp(grpc, mcpImplementation(table, { logger, tracer, callTimeoutMs: deps.callTimeoutMs }), { logger, tracer });
  let subscriptions: { unsubscribe(): void }[] = [];

  return {
    async start() {
      const configSpecs = deps.configPath ? await loadConfigServers(deps.configPath, deps.protectedNames, logger) : [];
      const catalogSpecs = await loadCatalog(deps.catalogPath, deps.protectedNames, logger);
      await table.start(configSpecs, catalogSpecs);
      subscriptions = serveMcpRequests({ bus, table, logger, tracer, instance: deps.instance });
      const grpcPort = await grpc.listen(deps.grpcAddress);
      return { grpcPort };
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
      await table.stop();
    },
  };
}
