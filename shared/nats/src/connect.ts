import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/telemetry";

export type { NatsConnection } from "@nats-io/transport-node";

export interface NatsOptions {
  url: string;
  /** Shown in the server's connection list. */
  name: string;
  logger?: Logger;
}

/** Connections currently without a server (between a disconnect and the next reconnect). */
const disconnected = new WeakSet<NatsConnection>();
/** Per connection, what to call when it loses its server: the requests waiting for replies. */
const waiters = new WeakMap<NatsConnection, Set<() => void>>();

/**
 * Calls `onLost` if the connection loses its server before the returned release is called: a
 * request waiting for a reply fails at once instead of at its timeout.
 */
export function onConnectionLost(connection: NatsConnection, onLost: () => void): () => void {
  let set = waiters.get(connection);
  if (!set) {
    set = new Set();
    waiters.set(connection, set);
  }
  const entry = set;
  entry.add(onLost);
  return () => void entry.delete(onLost);
}

/**
 * Whether a connection has a server right now. While it has none, requests would wait in the
 * client's buffer until they time out; callers answer "unavailable" at once instead.
 */
export function isConnected(connection: NatsConnection): boolean {
  return !connection.isClosed() && !disconnected.has(connection);
}

/**
 * The one way to connect to NATS. Defaults: wait for the first connection (services may
 * start before the broker), then reconnect forever every 500 ms with jitter. Tracks whether
 * the connection has a server, for `isConnected`.
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
    // Every request would otherwise capture a stack trace up front, for a timeout it rarely has;
    // callers turn failures into their own errors (see `call`).
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === "disconnect" || status.type === "reconnect") {
        const connected = status.type === "reconnect";
        if (connected) disconnected.delete(connection);
        else {
          disconnected.add(connection);
          const lost = waiters.get(connection);
          waiters.delete(connection);
          for (const waiter of lost ?? []) waiter();
        }
      }
      if (status.type === "disconnect" || status.type === "reconnect" || status.type === "error") {
        options.logger?.warn({ nats: status.type }, "nats connection status");
      }
    }
  })();
  return connection;
}
