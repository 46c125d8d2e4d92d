import type { Server } from "node:http";
import type { Bus } from "@switchyard/nats";
import { call } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { createGatewayApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import { createRunApi } from "./core/run-client.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  bus: Bus;
  logger: Logger;
  tracer: Tracer;
}

export interface Gateway {
  /** Listens; resolves with the bound port and URL. */
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const timeoutMs = deps.config.GATEWAY_REQUEST_TIMEOUT_MS;
  const app = createGatewayApp({
    config: deps.config,
    bus: deps.bus,
    call: (endpoint, payload, options) => call(deps.bus, endpoint, payload, { timeoutMs, ...options }),
    runs: createRunApi(deps.bus, timeoutMs),
    logger: deps.logger,
    tracer: deps.tracer,
  });
  let server: Server | undefined;
  return {
    start() {
      const { GATEWAY_HOST: host, GATEWAY_PORT: port } = deps.config;
      return new Promise((resolve, reject) => {
        const listening = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error);
          const address = listening.address();
          const bound = typeof address === "object" && address ? address.port : port;
          resolve({ port: bound, url: `http://${host}:${bound}` });
        });
        // Bounded waits on the socket side too.
        listening.headersTimeout = 30_000;
        listening.requestTimeout = 0;
        listening.keepAliveTimeout = 65_000;
        server = listening;
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server?.closeAllConnections(), 5000).unref();
      });
    },
  };
}
