import { createServer, type Server } from "node:http";
import type { Bus } from "@switchyard/nats";
import { call, createUploadStore } from "@switchyard/nats";
import type { Logger, Registry, Tracer } from "@switchyard/telemetry";
import { createPrincipalCache } from "./access/principals.ts";
import { createGatewayApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import { createRunApi } from "./core/run-client.ts";
import { createGatewayMetrics } from "./http/metrics.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  bus: Bus;
  logger: Logger;
  tracer: Tracer;
  metrics: Registry;
}

export interface Gateway {
  /** Listens; resolves with the bound port and URL. */
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function createGateway(deps: GatewayDeps): Gateway {
  const { config } = deps;
  if (config.SWITCHYARD_AUTH === "off" && !loopbackHosts.has(config.GATEWAY_HOST) && config.SWITCHYARD_AUTH_OFF_EXPOSED !== "true") {
    throw new Error(
      `refusing to serve ${config.GATEWAY_HOST} with SWITCHYARD_AUTH=off: anyone who reaches it could deploy and run code. ` +
        "Bind to loopback, turn authentication on, or set SWITCHYARD_AUTH_OFF_EXPOSED=true if that is really meant.",
    );
  }
  const timeoutMs = config.GATEWAY_REQUEST_TIMEOUT_MS;
  const access = createPrincipalCache(deps.bus, {
    ttlMs: config.GATEWAY_KEY_CACHE_TTL_MS,
    maxEntries: 10_000,
    timeoutMs,
    logger: deps.logger,
  });
  const gatewayMetrics = createGatewayMetrics(deps.metrics);
  const runs = gatewayMetrics.instrumentRuns(createRunApi(deps.bus, timeoutMs));
  const app = createGatewayApp(
    {
      config,
      bus: deps.bus,
      call: (endpoint, payload, options) => call(deps.bus, endpoint, payload, { timeoutMs, ...options }),
      runs,
      uploads: createUploadStore(deps.bus.nats, {
        bucket: deps.bus.subjects.bucket("uploads"),
        maxBytes: config.GATEWAY_UPLOAD_STORE_MAX_BYTES,
        // A gateway that died mid-run leaves its uploads: they go once no run could still want them.
        ttlMs: config.GATEWAY_RUN_TIMEOUT_MS + 60_000,
      }),
      access,
      logger: deps.logger,
      tracer: deps.tracer,
      metrics: deps.metrics,
    },
    gatewayMetrics.middleware,
  );
  let server: Server | undefined;
  return {
    start() {
      const { GATEWAY_HOST: host, GATEWAY_PORT: port } = deps.config;
      // Every wait on a client is bounded: its headers, its whole request, an idle connection. A client that
      // sends headers and then nothing, or a byte every few seconds, loses its socket (408) instead of holding it.
      const listening = createServer(
        {
          headersTimeout: Math.min(config.GATEWAY_HEADERS_TIMEOUT_MS, config.GATEWAY_BODY_TIMEOUT_MS),
          requestTimeout: config.GATEWAY_BODY_TIMEOUT_MS,
          keepAliveTimeout: config.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
          // How often those timeouts are checked: often enough that they hold to about a second.
          connectionsCheckingInterval: 1000,
        },
        app,
      );
      server = listening;
      return new Promise((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(port, host, () => {
          listening.off("error", reject);
          const address = listening.address();
          const bound = typeof address === "object" && address ? address.port : port;
          resolve({ port: bound, url: `http://${host}:${bound}` });
        });
      });
    },
    stop() {
      access.close();
      return new Promise((resolve) => {
        if (!server) {
          runs.close();
          return resolve();
        }
        server.close(() => {
          runs.close();
          resolve();
        });
        server.closeIdleConnections();
        setTimeout(() => server?.closeAllConnections(), 5000).unref();
      });
    },
  };
}
