import { hostname } from "node:os";
import { type CommonConfig, commonEnv, parseEnv } from "@switchyard/config";
import { createSubjects, type ServiceName, ServiceReady, type Subjects } from "@switchyard/contracts";
import { type Bus, connectNats, type NatsConnection } from "@switchyard/nats";
import type { Redis } from "@switchyard/redis";
import { createLogger, createMetrics, initTelemetry, type Logger, type Registry, serveMetrics, type Tracer } from "@switchyard/telemetry";
import type { z } from "zod";

/** What a running service reports once it serves (its ports); the runtime adds its name and instance. */
export type ReadyFields = Omit<z.input<typeof ServiceReady>, "event" | "service" | "instance">;

/** A service's own lifecycle: the runtime owns everything around it. */
export interface Service {
  /** Starts serving; resolves with what the ready event should say. */
  start(): Promise<ReadyFields>;
  /** Stops serving (open work bounded); the runtime then closes what it handed out. */
  stop(): Promise<void>;
}

/** Something the runtime closes when the service stops, after `stop()`, in reverse order of handing out. */
export interface Closeable {
  close(): void | Promise<void>;
}

/** Everything a service factory gets from the runtime. */
export interface ServiceContext<C> {
  config: C & CommonConfig;
  /** The process environment: for values a service reads by name at run time (model keys, MCP `${NAME}` secrets). */
  env: NodeJS.ProcessEnv;
  instance: string;
  logger: Logger;
  tracer: Tracer;
  /** The service's Prometheus registry (process metrics already in it), served on METRICS_PORT. */
  metrics: Registry;
  nats: NatsConnection;
  subjects: Subjects;
  /** The connection and subjects together, for typed endpoint calls. */
  bus: Bus;
  /**
   * A Redis client (made on first call), closed at stop. The client library is loaded only
   * then, so a service that never asks (the gateway, the executor) never holds it in memory.
   */
  redis(url: string): Promise<Redis>;
  /** Registers a client (gRPC clients, say) to be closed at stop, and returns it. */
  own<T extends Closeable>(resource: T): T;
}

export interface ServiceSpec<E extends z.ZodRawShape, C> {
  name: ServiceName;
  /** The service's own configuration schema; the common fields (NATS, logging, tracing) are added. */
  env: E;
  create(context: ServiceContext<C>): Service | Promise<Service>;
}

/**
 * Runs a service process: parses its configuration, makes the logger and telemetry,
 * installs signal handlers (before anything starts, so a signal during a slow start
 * still stops cleanly), connects NATS, builds the service, starts it and announces
 * readiness with the typed `service.ready` event. On SIGTERM/SIGINT it stops the service,
 * then closes every client it handed out in reverse order, and exits 0 (1 if that failed).
 */
export async function runService<E extends z.ZodRawShape>(
  spec: ServiceSpec<E, z.infer<z.ZodObject<E>>>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const config = parseEnv({ ...commonEnv, ...spec.env }, env) as z.infer<z.ZodObject<E>> & CommonConfig;
  const instance = config.SWITCHYARD_INSTANCE ?? `${spec.name}-${hostname()}-${process.pid}`;
  const logger = createLogger({ service: spec.name, level: config.LOG_LEVEL, instance });
  const telemetry = initTelemetry({ serviceName: spec.name, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const closers: (() => void | Promise<void>)[] = [() => telemetry.shutdown()];
  let service: Service | undefined;
  let stopping = false;

  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, `${spec.name} stopping`);
    let failed = false;
    try {
      await service?.stop();
    } catch (error) {
      failed = true;
      logger.error({ err: error }, "stop failed");
    }
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        failed = true;
        logger.error({ err: error }, "closing a client failed");
      }
    }
    process.exit(failed ? 1 : code);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.once("SIGINT", () => void shutdown("SIGINT", 0));

  try {
    const nats = await connectNats({ url: config.NATS_URL, name: instance, logger });
    closers.push(() => nats.drain());
    const subjects = createSubjects(config.SWITCHYARD_SUBJECT_PREFIX);
    const metrics = createMetrics(spec.name);
    const metricsServer = await serveMetrics(metrics, config.METRICS_HOST, config.METRICS_PORT);
    closers.push(() => metricsServer.close());
    let redis: Promise<Redis> | undefined;
    const context: ServiceContext<z.infer<z.ZodObject<E>>> = {
      config,
      env,
      instance,
      logger,
      tracer: telemetry.tracer,
      metrics,
      nats,
      subjects,
      bus: { nats, subjects },
      redis(url) {
        redis ??= import("@switchyard/redis").then(({ createRedis }) => {
          const client = createRedis({ url, name: instance, logger });
          closers.push(() => client.disconnect());
          return client;
        });
        return redis;
      },
      own(resource) {
        closers.push(() => resource.close());
        return resource;
      },
    };
    service = await spec.create(context);
    const fields = await service.start();
    // Checked against the contract the launcher and the test harness parse; the logger's base adds service and instance.
    const {
      service: _service,
      instance: _instance,
      ...ready
    } = ServiceReady.parse({ event: "service.ready", service: spec.name, instance, metricsPort: metricsServer.port, ...fields });
    logger.info(ready, `${spec.name} ready`);
  } catch (error) {
    logger.fatal({ err: error }, `${spec.name} could not start`);
    await shutdown("start failed", 1);
  }
}
