// Test support (not used by the gateway): an app built the way the gateway builds it, with no core behind it.
import { commonEnv, parseEnv } from "@switchyard/config";
import { createSubjects } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { createUploadStore, type NatsConnection } from "@switchyard/nats";
import { createLogger, createMetrics, initTelemetry } from "@switchyard/telemetry";
import type { Express } from "express";
import { createPrincipalCache } from "./access/principals.ts";
import { createGatewayApp } from "./app.ts";
import { gatewayEnv } from "./config.ts";
import { createRunApi } from "./core/run-client.ts";

/**
 * The gateway's routes over `nats` with every core call failing `unavailable`: a route that gets
 * past authentication without a key shows it, and the route table can be read without services.
 */
export function createCorelessApp(nats: NatsConnection, name: string): Express {
  const bus = { nats, subjects: createSubjects("sy") };
  const logger = createLogger({ service: "gateway", level: "silent" });
  return createGatewayApp({
    config: parseEnv({ ...commonEnv, ...gatewayEnv }, { GATEWAY_PORT: "0" }),
    bus,
    call: async () => {
      throw new AppError("unavailable", `no core behind ${name}`);
    },
    runs: createRunApi(bus, 1000),
    uploads: createUploadStore(nats, { bucket: bus.subjects.bucket("uploads"), maxBytes: 1024 * 1024, ttlMs: 60_000 }),
    access: createPrincipalCache(bus, { ttlMs: 1000, maxEntries: 10, timeoutMs: 1000, logger }),
    logger,
    tracer: initTelemetry({ serviceName: name }).tracer,
    metrics: createMetrics("gateway"),
  });
}
