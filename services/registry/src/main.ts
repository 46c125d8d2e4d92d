import { hostname } from "node:os";
import { createModelCatalog } from "@switchyard/config";
import { createSubjects } from "@switchyard/contracts";
import { createMcpClient } from "@switchyard/grpc";
import { stopOnSignals } from "@switchyard/local";
import { connectNats } from "@switchyard/nats";
import { createRedis } from "@switchyard/redis";
import { createLogger, initTelemetry } from "@switchyard/telemetry";
import { loadRegistryConfig } from "./config.ts";
import { deployDirectory } from "./pipelines-dir.ts";
import { createRegistry } from "./registry.ts";

const config = loadRegistryConfig();
const instance = config.SWITCHYARD_INSTANCE ?? `registry-${hostname()}-${process.pid}`;
const logger = createLogger({ service: "registry", level: config.LOG_LEVEL, instance });
const telemetry = initTelemetry({ serviceName: "registry", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const models = createModelCatalog(config);
const nats = await connectNats({ url: config.NATS_URL, name: instance, logger });
const redis = createRedis({ url: config.REDIS_URL, name: instance, logger });

const registry = createRegistry({
  nats,
  redis,
  subjects: createSubjects(config.SWITCHYARD_SUBJECT_PREFIX),
  logger,
  tracer: telemetry.tracer,
  modelAliases: models.aliases(),
  mcp: createMcpClient(config.MCP_GRPC_ADDRESS),
  grpcAddress: config.REGISTRY_GRPC_ADDRESS,
  instance,
  maxDefinitions: config.REGISTRY_MAX_DEFINITIONS,
});
const { grpcPort } = await registry.start();
if (config.SWITCHYARD_PIPELINES_DIR) {
  const deployed = await deployDirectory(config.SWITCHYARD_PIPELINES_DIR, registry.deploy, logger);
  logger.info({ directory: config.SWITCHYARD_PIPELINES_DIR, deployed }, "pipelines directory deployed");
}
logger.info({ event: "service.ready", grpcPort, models: models.aliases() }, "registry ready");

stopOnSignals(async (signal) => {
  logger.info({ signal }, "registry stopping");
  await registry.stop();
  await nats.drain();
  redis.disconnect();
  await telemetry.shutdown();
});
