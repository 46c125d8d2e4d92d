// Test support (not used by the service): real NATS and Redis from the shared test fixture,
// and access services built in-process with their factory.
import { commonEnv, parseEnv } from "@switchyard/config";
import { createSubjects, type Endpoint } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Bus, call, connectNats, type NatsConnection } from "@switchyard/nats";
import { createRedis, type Redis } from "@switchyard/redis";
import { createLogger, initTelemetry, type Telemetry } from "@switchyard/telemetry";
import { type Infra, startInfra } from "@switchyard/testing";
import { afterAll, beforeAll } from "vitest";
import type { z } from "zod";
import { type AccessServiceDeps, createAccessService } from "./access-service.ts";
import { accessEnv } from "./config.ts";

let telemetry: Telemetry | undefined;
let started = 0;

export interface TestAccess {
  /** A caller's connection (not the service's), with the service's subjects. */
  bus: Bus;
  /** Another caller's connection, for races from two connections. */
  otherBus: Bus;
  /** The service's Redis database (each test service has its own, unless it reuses one). */
  redis: Redis;
  database: number;
  grpcAddress: string;
  call<Req extends z.ZodType, Res extends z.ZodType>(
    endpoint: Endpoint<Req, Res>,
    payload: z.input<Req>,
    bus?: Bus,
  ): Promise<z.output<Res>>;
  stop(): Promise<void>;
}

/**
 * An access service on its own subject prefix and Redis database, so several in one file
 * never answer each other's requests or see each other's keys.
 */
export async function startAccess(
  infra: Infra,
  env: Record<string, string> = {},
  extra: Pick<AccessServiceDeps, "now" | "mfaRules"> & { database?: number; logLines?: string[] } = {},
): Promise<TestAccess> {
  started += 1;
  // A restarted service reuses its database as it was; a new one gets an empty one of its own.
  const database = extra.database ?? started;
  if (database > 15) throw new Error("a test file may start at most 15 access services (one Redis database each)");
  const prefix = `t${started}`;
  const config = parseEnv(
    { ...commonEnv, ...accessEnv },
    {
      REDIS_URL: `${infra.redisUrl}/${database}`,
      NATS_URL: infra.natsUrl,
      SWITCHYARD_SUBJECT_PREFIX: prefix,
      ACCESS_GRPC_ADDRESS: "127.0.0.1:0",
      ...env,
    },
  );
  telemetry ??= initTelemetry({ serviceName: "access-test" });
  const subjects = createSubjects(prefix);
  const connections: NatsConnection[] = await Promise.all(
    ["service", "caller", "other"].map((role) => connectNats({ url: infra.natsUrl, name: `access-test-${prefix}-${role}` })),
  );
  const [serviceNats, callerNats, otherNats] = connections;
  if (!serviceNats || !callerNats || !otherNats) throw new Error("NATS connections missing");
  const redis = createRedis({ url: config.REDIS_URL, name: `access-test-${prefix}` });
  if (extra.database === undefined) await redis.flushdb();
  const service = createAccessService({
    config,
    bus: { nats: serviceNats, subjects },
    redis,
    logger: extra.logLines
      ? createLogger({ service: "access", level: "trace", destination: { write: (line: string) => extra.logLines?.push(line) } })
      : createLogger({ service: "access", level: "silent" }),
    tracer: telemetry.tracer,
    instance: `access-test-${prefix}`,
    now: extra.now,
    mfaRules: extra.mfaRules,
  });
  const { grpcPort } = await service.start();
  const bus = { nats: callerNats, subjects };
  return {
    bus,
    otherBus: { nats: otherNats, subjects },
    redis,
    database,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    call: (endpoint, payload, through = bus) => call(through, endpoint, payload, { timeoutMs: 15_000 }),
    async stop() {
      await service.stop();
      for (const connection of connections) await connection.close();
      redis.disconnect();
    },
  };
}

export { type Infra, startInfra };

/** The servers and access service of the test file that called `useAccessFile` (live bindings, set in its beforeAll). */
export let infra: Infra;
export let access: TestAccess;

/** Real NATS and Redis and one access service for the whole calling test file: started before its tests, stopped after. */
export function useAccessFile(env?: Record<string, string>, extra?: Parameters<typeof startAccess>[2]): void {
  beforeAll(async () => {
    infra = await startInfra();
    access = await startAccess(infra, env, extra);
  });
  afterAll(async () => {
    await access?.stop();
    await infra?.stop();
  });
}

/** The AppError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => new Error("expected a rejection, but the promise resolved"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof AppError)) throw outcome;
  return outcome;
}
