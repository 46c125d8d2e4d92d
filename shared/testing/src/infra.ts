import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryAvailable, natsReachable, redisReachable, startNatsServer, startRedisServer } from "@switchyard/local";
import { startContainers } from "./containers.ts";

export interface Infra {
  natsUrl: string;
  redisUrl: string;
  /** Where the run came from: spawned binaries, containers, or URLs from the environment. */
  source: "binaries" | "containers" | "environment";
  /** Stops the NATS server (binaries only), as an outage would; `startNats` brings it back on the same port and store. */
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /** Stops the Redis server (binaries only), as a crash would; `startRedis` brings it back (its data too when started with `persistRedis`). */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Real NATS (with JetStream) and Redis for one test run, never mocks: `nats-server` and
 * `redis-server` spawned on free ports when the binaries exist, else containers where
 * Docker runs, else the servers at NATS_URL / REDIS_URL.
 */
export async function startInfra(options: { persistRedis?: boolean } = {}): Promise<Infra> {
  if (binaryAvailable("nats-server") && binaryAvailable("redis-server")) {
    const dataDir = mkdtempSync(join(tmpdir(), "switchyard-test-"));
    const storeDir = join(dataDir, "nats");
    let nats = await startNatsServer({ storeDir });
    const redisOptions = { dataDir: join(dataDir, "redis"), debugCommands: true, persist: options.persistRedis === true };
    let redis = await startRedisServer(redisOptions).catch(async (error: unknown) => {
      await nats.stop();
      throw error;
    });
    const stop = async () => {
      await Promise.all([nats.stop(), redis.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    };
    return {
      natsUrl: nats.url,
      redisUrl: redis.url,
      source: "binaries",
      stopNats: () => nats.stop(),
      startNats: async () => {
        nats = await startNatsServer({ storeDir, port: nats.port });
      },
      stopRedis: () => redis.stop(),
      startRedis: async () => {
        redis = await startRedisServer({ ...redisOptions, port: redis.port });
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
  const containers = await startContainers();
  const cannot = async () => {
    throw new Error("stopping a server needs the nats-server and redis-server binaries");
  };
  if (containers)
    return {
      ...containers,
      source: "containers",
      stopNats: cannot,
      startNats: cannot,
      stopRedis: cannot,
      startRedis: cannot,
      [Symbol.asyncDispose]: containers.stop,
    };
  const natsUrl = process.env.NATS_URL;
  const redisUrl = process.env.REDIS_URL;
  if (natsUrl && redisUrl && (await natsReachable(natsUrl)) && (await redisReachable(redisUrl))) {
    const stop = async () => {};
    return {
      natsUrl,
      redisUrl,
      source: "environment",
      stopNats: cannot,
      startNats: cannot,
      stopRedis: cannot,
      startRedis: cannot,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
  throw new Error(
    "tests need real NATS and Redis: install nats-server and redis-server (apt-get install nats-server redis-server), run Docker, or set NATS_URL and REDIS_URL",
  );
}

/** What a service started for a test needs from its environment: the machine's PATH and HOME (nothing else leaks in) and the servers. */
export function serviceEnv(infra: Pick<Infra, "natsUrl" | "redisUrl">): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NATS_URL: infra.natsUrl, REDIS_URL: infra.redisUrl };
}

/** One real server for a focused test: its URL, and a stop that also removes its data folder. */
export interface SingleServer {
  url: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function single(name: string, start: (dir: string) => Promise<{ url: string; stop(): Promise<void> }>): Promise<SingleServer> {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${name}-`));
  const server = await start(dir);
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: server.url, stop, [Symbol.asyncDispose]: stop };
}

/** A redis-server of its own on a free port (for tests of one store's scripts). */
export function startRedisOnly(name: string): Promise<SingleServer> {
  return single(name, (dir) => startRedisServer({ dataDir: dir }));
}

/** A nats-server of its own on a free port (for tests of one protocol piece). */
export function startNatsOnly(name: string): Promise<SingleServer> {
  return single(name, (dir) => startNatsServer({ storeDir: dir }));
}
