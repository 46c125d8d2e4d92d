import { join } from "node:path";
import { binaryAvailable, type LocalServer, natsReachable, redisReachable, startNatsServer, startRedisServer } from "@switchyard/local";

export interface Endpoint {
  url: string;
  /** Set when this process started the server and must stop it. */
  server?: LocalServer;
}

const installHint = {
  "nats-server": "apt-get install nats-server   (or download from the NATS releases page; or set NATS_URL)",
  "redis-server": "apt-get install redis-server  (or brew install redis; or set REDIS_URL)",
};

export class MissingBinaryError extends Error {}

/**
 * Uses the configured URL when something answers there; otherwise starts the binary on a
 * free loopback port with its data under `dataDir`; otherwise says how to get it.
 */
export async function ensureNats(configured: string | undefined, dataDir: string, say: (line: string) => void): Promise<Endpoint> {
  if (configured && (await natsReachable(configured))) return { url: configured };
  if (configured) say(`NATS_URL=${configured} does not answer; starting a local nats-server instead`);
  if (!binaryAvailable("nats-server"))
    throw new MissingBinaryError(`nats-server was not found. Install it:\n  ${installHint["nats-server"]}`);
  const server = await startNatsServer({ storeDir: join(dataDir, "nats") });
  return { url: server.url, server };
}

export async function ensureRedis(configured: string | undefined, dataDir: string, say: (line: string) => void): Promise<Endpoint> {
  if (configured && (await redisReachable(configured))) return { url: configured };
  if (configured) say(`REDIS_URL=${configured} does not answer; starting a local redis-server instead`);
  if (!binaryAvailable("redis-server"))
    throw new MissingBinaryError(`redis-server was not found. Install it:\n  ${installHint["redis-server"]}`);
  const server = await startRedisServer({ dataDir: join(dataDir, "redis"), persist: true });
  return { url: server.url, server };
}
