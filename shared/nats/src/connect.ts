import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/telemetry";

export type { NatsConnection } from "@nats-io/transport-node";

export interface NatsOptions {
  url: string;
  /** Shown in the server's connection list. */
  name: string;
  logger?: Logger;
}

/**
 * The one way to connect to NATS. Defaults: wait for the first connection (services may
 * start before the broker), then reconnect forever every 500 ms with jitter,.
 */
export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  const connection = await connect({
    servers: options.url.split(","),
    name: options.name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 200,
    pingInterval: 10_000,
  });
  if (options.logger) {
    const logger = options.logger;
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === "disconnect" || status.type === "reconnect" || status.type === "error") {
          logger.warn({ nats: status.type }, "nats connection status");
        }
      }
    })();
  }
  return connection;
}
