import { hostname } from "node:os";
import { createModelCatalog } from "@switchyard/config";
import { createSubjects } from "@switchyard/contracts";
import { createMcpClient, createRegistryClient, createSessionClient } from "@switchyard/grpc";
import { stopOnSignals } from "@switchyard/local";
import { connectNats } from "@switchyard/nats";
import { createLogger, initTelemetry } from "@switchyard/telemetry";
import { createSessionMemory } from "./agent/memory.ts";
import { loadExecutorConfig } from "./config.ts";
import { createExecutor } from "./executor.ts";
import { createProviderSet } from "./providers/index.ts";
import { createToolCaller } from "./tool-caller.ts";

const config = loadExecutorConfig();
const instance = config.SWITCHYARD_INSTANCE ?? `executor-${hostname()}-${process.pid}`;
const logger = createLogger({ service: "executor", level: config.LOG_LEVEL, instance });
const telemetry = initTelemetry({ serviceName: "executor", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const models = createModelCatalog(config);
const nats = await connectNats({ url: config.NATS_URL, name: instance, logger });

const executor = createExecutor({
  nats,
  subjects: createSubjects(config.SWITCHYARD_SUBJECT_PREFIX),
  registry: createRegistryClient(config.REGISTRY_GRPC_ADDRESS),
  providers: createProviderSet(models, config.EXECUTOR_PROVIDER_TIMEOUT_MS),
  tools: createToolCaller(createMcpClient(config.MCP_GRPC_ADDRESS), config.EXECUTOR_TOOL_TIMEOUT_MS),
  memory: createSessionMemory(createSessionClient(config.SESSION_GRPC_ADDRESS), config.EXECUTOR_GRPC_DEADLINE_MS),
  modelAliases: models.aliases(),
  logger,
  tracer: telemetry.tracer,
  instance,
  maxRuns: config.EXECUTOR_MAX_RUNS,
  definitionTtlMs: config.EXECUTOR_DEFINITION_TTL_MS,
  grpcDeadlineMs: config.EXECUTOR_GRPC_DEADLINE_MS,
});
await executor.start();
logger.info({ event: "service.ready", models: models.aliases().map((alias) => models.describe(alias)) }, "executor ready");

stopOnSignals(async (signal) => {
  logger.info({ signal, activeRuns: executor.activeRuns() }, "executor stopping");
  await executor.stop();
  await nats.drain();
  await telemetry.shutdown();
});
