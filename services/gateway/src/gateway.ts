import type { Server } from "node:http";
import type { Subjects } from "@switchyard/contracts";
import type { NatsConnection } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { createGatewayApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import { createMcpApi } from "./mcp-client.ts";
import { createRegistryApi } from "./registry-client.ts";
import { createRunApi } from "./run-client.ts";
import { createSessionApi } from "./session-client.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  nats: NatsConnection;
  subjects: Subjects;
  logger: Logger;
  tracer: Tracer;
}

export interface Gateway {
  /** Listens and resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const timeoutMs = deps.config.GATEWAY_REQUEST_TIMEOUT_MS;
  const app = createGatewayApp({
    config: deps.config,
    nats: deps.nats,
    subjects: deps.subjects,
    registry: createRegistryApi(deps.nats, deps.subjects, timeoutMs),
    mcp: createMcpApi(deps.nats, deps.subjects, timeoutMs),
    sessions: createSessionApi(deps.nats, deps.subjects, timeoutMs),
    runs: createRunApi(deps.nats, deps.subjects, timeoutMs),
    logger: deps.logger,
    tracer: deps.tracer,
  });
  let server: Server | undefined;
  return {
    start() {
      return new Promise((resolve, reject) => {
        const listening = app.listen(deps.config.GATEWAY_PORT, deps.config.GATEWAY_HOST, (error?: Error) => {
          if (error) return reject(error);
          const address = listening.address();
          resolve(typeof address === "object" && address ? address.port : deps.config.GATEWAY_PORT);
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
