import { hostname } from "node:os";
import { createSubjects } from "@switchyard/contracts";
import { stopOnSignals } from "@switchyard/local";
import { connectNats } from "@switchyard/nats";
import { createRedis } from "@switchyard/redis";
import { createLogger, initTelemetry } from "@switchyard/telemetry";
import { loadSessionConfig } from "./config.ts";
import { createSessionService } from "./session-service.ts";

const config = loadSessionConfig();
const instance = config.SWITCHYARD_INSTANCE ?? `session-${hostname()}-${process.pid}`;
const logger = createLogger({ service: "session", level: config.LOG_LEVEL, instance });
const telemetry = initTelemetry({ serviceName: "session", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const nats = await connectNats({ url: config.NATS_URL, name: instance, logger });
const redis = createRedis({ url: config.REDIS_URL, name: instance, logger });

const service = createSessionService({
  nats,
  redis,
  subjects: createSubjects(config.SWITCHYARD_SUBJECT_PREFIX),
  logger,
  tracer: telemetry.tracer,
  grpcAddress: config.SESSION_GRPC_ADDRESS,
  instance,
  limits: { ttlSeconds: config.SESSION_TTL_SECONDS, maxMessages: config.SESSION_MAX_MESSAGES, maxBytes: config.SESSION_MAX_BYTES },
});
const { grpcPort } = await service.start();
logger.info({ event: "service.ready", grpcPort }, "session ready");

stopOnSignals(async (signal) => {
  logger.info({ signal }, "session stopping");
  await service.stop();
  await nats.drain();
  redis.disconnect();
  await telemetry.shutdown();
});
