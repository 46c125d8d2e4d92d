import { hostname } from "node:os";
import { createSubjects } from "@switchyard/contracts";
import { stopOnSignals } from "@switchyard/local";
import { connectNats } from "@switchyard/nats";
import { createRedis } from "@switchyard/redis";
import { createLogger, initTelemetry } from "@switchyard/telemetry";
import { loadMcpConfig, serviceSettingNames } from "./config.ts";
import { createMcpService } from "./mcp-service.ts";

const config = loadMcpConfig();
const instance = config.SWITCHYARD_INSTANCE ?? `mcp-${hostname()}-${process.pid}`;
const logger = createLogger({ service: "mcp", level: config.LOG_LEVEL, instance });
const telemetry = initTelemetry({ serviceName: "mcp", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const nats = await connectNats({ url: config.NATS_URL, name: instance, logger });
const redis = createRedis({ url: config.REDIS_URL, name: instance, logger });

const service = createMcpService({
  nats,
  redis,
  subjects: createSubjects(config.SWITCHYARD_SUBJECT_PREFIX),
  logger,
  tracer: telemetry.tracer,
  instance,
  grpcAddress: config.MCP_GRPC_ADDRESS,
  configPath: config.MCP_CONFIG_PATH,
  catalogPath: config.MCP_CATALOG_PATH,
  handshakeTimeoutMs: config.MCP_HANDSHAKE_TIMEOUT_MS,
  callTimeoutMs: config.MCP_CALL_TIMEOUT_MS,
  pingIntervalMs: config.MCP_PING_INTERVAL_MS,
  backoff: { initialMs: config.MCP_RESTART_INITIAL_MS, maxMs: config.MCP_RESTART_MAX_MS, resetAfterMs: config.MCP_RESTART_RESET_MS },
  serviceEnv: process.env,
  protectedNames: serviceSettingNames,
});
// Installed before start: servers spawned during a slow start must be stopped by a signal too.
stopOnSignals(async (signal) => {
  logger.info({ signal }, "mcp stopping");
  await service.stop();
  await nats.drain();
  redis.disconnect();
  await telemetry.shutdown();
});

const { grpcPort } = await service.start();
logger.info({ event: "service.ready", grpcPort }, "mcp ready");
