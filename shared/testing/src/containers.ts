import { spawnSync } from "node:child_process";

/** NATS and Redis in containers through testcontainers, when a Docker engine answers; otherwise undefined. */
export async function startContainers(): Promise<{ natsUrl: string; redisUrl: string; stop(): Promise<void> } | undefined> {
  if (spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) return undefined;
  const { GenericContainer, Wait } = await import("testcontainers");
  const nats = await new GenericContainer("nats:2.10-alpine")
    .withCommand(["-js"])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  const redis = await new GenericContainer("redis:7-alpine").withExposedPorts(6379).start();
  return {
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    stop: async () => {
      await Promise.all([nats.stop(), redis.stop()]);
    },
  };
}
