import type { Logger } from "@switchyard/telemetry";
import { Redis } from "ioredis";

export type { Redis } from "ioredis";

export interface RedisOptions {
  url: string;
  /** Shown in `CLIENT LIST`. */
  name: string;
  logger?: Logger;
  /** How long a command may take before it fails (default 2 s); a test that freezes the server with `DEBUG SLEEP` needs longer. */
  commandTimeoutMs?: number;
}

/**
 * The one way to make a Redis client. Defaults: commands fail after 2 s rather than hang,
 * reconnect with capped backoff (50 ms × attempt, at most 2 s), and queue at most 3 retries
 * per command while disconnected, so a Redis outage surfaces as errors, not as stuck requests.
 */
export function createRedis(options: RedisOptions): Redis {
  const client = new Redis(options.url, {
    connectionName: options.name,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 5000,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(attempt * 50, 2000),
    lazyConnect: false,
  });
  if (options.logger) {
    const logger = options.logger;
    client.on("error", (error: Error) => logger.warn({ err: error.message }, "redis error"));
  }
  return client;
}
