import { createRedis, type Redis } from "@switchyard/redis";
import { initTelemetry, type Tracer } from "@switchyard/telemetry";
import { startRedisOnly } from "./infra.ts";

/** A redis-server of its own with several connections to it (so concurrent scripts really interleave), and a tracer: for one store's tests. */
export interface StoreFixture {
  /** Connection `index` (modulo how many there are). */
  redis(index?: number): Redis;
  tracer: Tracer;
  stop(): Promise<void>;
}

export async function startStoreFixture(name: string, connections = 4): Promise<StoreFixture> {
  const server = await startRedisOnly(name);
  const clients = Array.from({ length: connections }, (_, index) => createRedis({ url: server.url, name: `${name}-test-${index}` }));
  const telemetry = initTelemetry({ serviceName: `${name}-test` });
  return {
    redis: (index = 0) => {
      const client = clients[index % clients.length];
      if (!client) throw new Error("no redis connection");
      return client;
    },
    tracer: telemetry.tracer,
    async stop() {
      for (const client of clients) client.disconnect();
      await telemetry.shutdown();
      await server.stop();
    },
  };
}
