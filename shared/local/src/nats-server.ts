import { connect } from "@nats-io/transport-node";
import { ensureDir, freePort, type LocalServer, spawnUntilReady, stopChild } from "./processes.ts";

export interface NatsServerOptions {
  /** JetStream store directory. */
  storeDir: string;
  port?: number;
  binary?: string;
}

/** Starts `nats-server -js` on loopback (a free port unless given) and waits until it accepts clients. */
export async function startNatsServer(options: NatsServerOptions): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const url = `nats://127.0.0.1:${port}`;
  const child = await spawnUntilReady(
    options.binary ?? "nats-server",
    ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", ensureDir(options.storeDir)],
    () => natsReachable(url),
    10_000,
  );
  const stop = () => stopChild(child);
  return { url, port, stop, [Symbol.asyncDispose]: stop };
}

/** True when a NATS server answers at the URL within a second. */
export async function natsReachable(url: string): Promise<boolean> {
  try {
    const connection = await connect({ servers: url, timeout: 1000, maxReconnectAttempts: 0, reconnect: false });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}
