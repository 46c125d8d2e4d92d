import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry };

/** Latency buckets in seconds: from a cache hit (1 ms) to a long model answer (2 min). */
export const secondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** A service's metrics: the process's own (CPU, memory, event loop lag, GC) and what the service adds, every series labelled `service`. */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}

/** The label value every name past a bounded label's limit shares. */
export const otherLabel = "other";

export interface BoundedLabel {
  /** The value as a label, remembering it while fewer than the bound are known; `other` past that. */
  admit(value: string): string;
  /** The value if it was admitted, else `other`: for values that may be anything a client sent. */
  known(value: string): string;
}

/**
 * A label over an open set of values (definition names, MCP tools): at most `max` distinct values keep their name,
 * any other is `other`, so no request can grow the number of series past a bound. Only values the system has
 * confirmed (a definition that ran, a running server's tool) should be admitted; the rest are looked up.
 */
export function boundedLabel(max: number): BoundedLabel {
  const seen = new Set<string>();
  return {
    admit(value) {
      if (seen.has(value)) return value;
      if (seen.size >= max) return otherLabel;
      seen.add(value);
      return value;
    },
    known: (value) => (seen.has(value) ? value : otherLabel),
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text) on its own port, for the services without an HTTP face. Bound to the
 * given host (loopback unless the operator opens it, as a Kubernetes pod does for its scraper); anything else is 404.
 */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => response.writeHead(500, { "content-type": "text/plain" }).end("metrics could not be collected\n"),
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
