import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialChanged, mcpLimits } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import { type AccessGrpcClient, createGrpcServer, serveMcp } from "@switchyard/grpc";
import { type Bus, decodeJson, publishJson } from "@switchyard/nats";
import { createOutboundGuard } from "@switchyard/net";
import { createStoreHealth, type Redis } from "@switchyard/redis";
import type { Logger, Registry, Tracer } from "@switchyard/telemetry";
import { loadCatalog } from "./catalog.ts";
import { type McpConfig, serviceSettingNames } from "./config.ts";
import { loadConfigServers } from "./config-file.ts";
import type { CredentialSource } from "./credentials.ts";
import { mcpImplementation } from "./grpc-service.ts";
import { createMcpMetrics } from "./metrics.ts";
import { serveMcpRequests } from "./nats-handlers.ts";
import { limitPrefix } from "./sandbox.ts";
import { createServerTable } from "./servers.ts";
import { createMcpStore } from "./store.ts";
import type { Backoff } from "./supervisor.ts";

export interface McpServiceDeps {
  config: McpConfig;
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  /** The service's Prometheus registry (absent: nothing is counted). */
  metrics?: Registry;
  instance: string;
  /** Where `${NAME}` values come from (the service's environment). */
  env: NodeJS.ProcessEnv;
  /** Where `${credential:NAME}` values come from: the access service's credentials store. */
  access: AccessGrpcClient;
  /**
   * Where each stdio server gets a directory of its own (its HOME and working directory): MCP_SERVER_HOME, else a
   * fresh directory under the OS temp directory, made at start and removed at stop.
   */
  serverHome?: string;
}

export interface McpService {
  /** Starts config, restored and enabled servers (first attempts settled), then serves. */
  start(): Promise<{ grpcPort: number }>;
  stop(): Promise<void>;
}

/** How long reading one credential from the access service may take, at a server's launch. */
const credentialDeadlineMs = 5000;

/**
 * Credentials' values, read from the access service at each launch and kept nowhere else: servers start rarely, and
 * a rotated value then needs no cache to be dropped. An error names the credential, never a value.
 */
function credentialSource(access: AccessGrpcClient): CredentialSource {
  return (name) =>
    access.getCredential(name, { deadlineMs: credentialDeadlineMs }).then(
      (credential) => credential.value,
      (error: unknown) => {
        const appError = toAppError(error);
        if (appError.code === "not_found") return undefined;
        throw new AppError(appError.code, `credential '${name}' could not be read from the access service: ${appError.message}`);
      },
    );
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
  const givenHome = deps.serverHome ?? config.MCP_SERVER_HOME;
  const serverHome = givenHome ?? join(tmpdir(), `switchyard-mcp-${randomUUID()}`);
  const limits = {
    addressSpaceBytes: config.MCP_STDIO_LIMIT_ADDRESS_SPACE_MB * 1024 * 1024,
    openFiles: config.MCP_STDIO_LIMIT_OPEN_FILES,
    processes: config.MCP_STDIO_LIMIT_PROCESSES,
  };
  const spawnPrefix = limitPrefix(limits, deps.env.PATH, logger);
  const table = createServerTable({
    store: createMcpStore(deps.redis, tracer),
    logger,
    launchContext: {
      serviceEnv: deps.env,
      home: serverHome,
      ...(spawnPrefix ? { spawnPrefix } : {}),
      guardedFetch: guard.fetch,
      credentials: credentialSource(deps.access),
    },
    supervision: { handshakeTimeoutMs: config.MCP_HANDSHAKE_TIMEOUT_MS, pingIntervalMs: config.MCP_PING_INTERVAL_MS, backoff },
    protectedNames: serviceSettingNames,
    maxServers: mcpLimits.servers,
    stdioAllow: config.MCP_STDIO_ALLOW,
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
  const metrics = deps.metrics && createMcpMetrics(deps.metrics);
  serveMcp(
    grpc,
    mcpImplementation(table, {
      logger,
      tracer,
      callTimeoutMs: config.MCP_CALL_TIMEOUT_MS,
      ...(metrics ? { onCall: metrics.call } : {}),
    }),
    { logger, tracer },
  );
  let subscriptions: { unsubscribe(): void }[] = [];

  /** Rotation without a restart: servers that name a changed credential connect again with its new value. */
  function watchCredentials(): { unsubscribe(): void } {
    return bus.nats.subscribe(bus.subjects.event("accessCredentialChanged"), {
      callback: (error, message) => {
        if (error) return;
        let name: string;
        try {
          name = decodeJson(CredentialChanged, message.data).name;
        } catch (problem) {
          logger.warn({ err: problem instanceof Error ? problem.message : String(problem) }, "credential change event unreadable: ignored");
          return;
        }
        void table.credentialChanged(name);
      },
    });
  }

  return {
    async start() {
      // Before the first launches, so a credential that changes while servers start is not missed.
      subscriptions = [watchCredentials()];
      const health = await createStoreHealth(deps.redis, "mcp", logger);
      // A name of its own (not recursive) when the service picks it, so nothing made there beforehand is used.
      await mkdir(serverHome, { recursive: givenHome !== undefined, mode: 0o700 });
      const configSpecs = config.MCP_CONFIG_PATH ? await loadConfigServers(config.MCP_CONFIG_PATH, serviceSettingNames, logger) : [];
      const catalogSpecs = await loadCatalog(config.MCP_CATALOG_PATH, serviceSettingNames, logger);
      await table.start(configSpecs, catalogSpecs);
      subscriptions.push(...serveMcpRequests({ bus, table, logger, tracer, instance: deps.instance, storeHealth: health.check }));
      const grpcPort = await grpc.listen(config.MCP_GRPC_ADDRESS);
      return { grpcPort };
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
      await table.stop();
      await guard.dispatcher.destroy();
      if (givenHome === undefined) await rm(serverHome, { recursive: true, force: true });
    },
  };
}
