import { Redis } from "ioredis";
import { ensureDir, freePort, type LocalServer, spawnUntilReady, stopChild } from "./processes.ts";

export interface RedisServerOptions {
  /** Data directory; with `persist` Redis keeps an append-only file there. */
  dataDir: string;
  persist?: boolean;
  /** Allow DEBUG (tests use `DEBUG SLEEP` to freeze the server); never for real data. */
  debugCommands?: boolean;
  port?: number;
  binary?: string;
}

/** Starts `redis-server` on loopback (a free port unless given) and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const url = `redis://127.0.0.1:${port}`;
  const args = ["--bind", "127.0.0.1", "--port", String(port), "--dir", ensureDir(options.dataDir), "--save", ""];
  args.push("--appendonly", options.persist ? "yes" : "no");
  if (options.debugCommands) args.push("--enable-debug-command", "local");
  const child = await spawnUntilReady(options.binary ?? "redis-server", args, () => redisReachable(url), 10_000);
  const stop = () => stopChild(child);
  return { url, port, stop, [Symbol.asyncDispose]: stop };
}

/** True when Redis answers PING at the URL within a second. */
export async function redisReachable(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
