import { hostname } from "node:os";
import { createSubjects } from "@switchyard/contracts";
import { stopOnSignals } from "@switchyard/local";
import { connectNats } from "@switchyard/nats";
import { createLogger, initTelemetry } from "@switchyard/telemetry";
import { loadGatewayConfig } from "./config.ts";
import { createGateway } from "./gateway.ts";

const config = loadGatewayConfig();
const instance = config.SWITCHYARD_INSTANCE ?? `gateway-${hostname()}-${process.pid}`;
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL, instance });
const telemetry = initTelemetry({ serviceName: "gateway", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const nats = await connectNats({ url: config.NATS_URL, name: instance, logger });

const gateway = createGateway({
  config,
  nats,
  subjects: createSubjects(config.SWITCHYARD_SUBJECT_PREFIX),
  logger,
  tracer: telemetry.tracer,
});
const port = await gateway.start();
logger.info({ event: "service.ready", host: config.GATEWAY_HOST, port, url: `http://${config.GATEWAY_HOST}:${port}` }, "gateway listening");

stopOnSignals(async (signal) => {
  logger.info({ signal }, "gateway stopping");
  await gateway.stop();
  await nats.drain();
  await telemetry.shutdown();
});
