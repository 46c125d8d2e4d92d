import { createRedis, type Redis } from "@switchyard/redis";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let redis: Redis;

beforeAll(async () => {
  system = await startSystem({ withSessions: true, withMcp: true });
  // Its commands outlive the freezes it causes.
  redis = createRedis({ url: system.infra.redisUrl, name: "readiness-test", commandTimeoutMs: 10_000 });
});
afterAll(async () => {
  redis?.disconnect();
  await system?.stop();
});

const ready = () => requestJson(`${system.url()}/readyz`);

describe("readiness", () => {
  it("is ready when every service and its store answers, and names each check", async () => {
    const answer = await ready();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: "ready",
      checks: { nats: "ok", registry: "ok", executor: "ok", access: "ok", session: "ok", mcp: "ok" },
    });
  });

  it("reports a frozen Redis", async () => {
    // DEBUG SLEEP freezes the server for every client, as a stalled Redis would.
    const frozen = redis.call("DEBUG", "SLEEP", "2");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await ready();
    await frozen;
    expect(expectError(answer, 503, "unavailable").message).toMatch(/registry: redis unreachable/);
    await expect.poll(async () => (await ready()).status, { timeout: 10_000 }).toBe(200);
  });

  it("answers a deploy that needs a frozen Redis with a retryable 503, not a 500", async () => {
    const frozen = redis.call("DEBUG", "SLEEP", "3");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await requestJson(`${system.url()}/deploy-yaml`, { body: { name: "frozen", source_code: greetYaml() } });
    await frozen;
    expect(expectError(answer, 503, "unavailable").message).toMatch(/unreachable; try again/);
  });

  it("reports a dead session service", async () => {
    await system.session?.kill();
    const answer = await ready();
    // "No responders" once the server has seen the connection close; a timeout if it routed the ping first.
    expect(expectError(answer, 503, "unavailable").message).toMatch(/session: (no session is available|session did not answer in time)/);
  });

  it("says loudly, in readiness and in the logs, that a store was emptied under a running service", async () => {
    await redis.flushall();
    const answer = await ready();
    const message = expectError(answer, 503, "unavailable").message;
    for (const service of ["registry", "access", "mcp"]) expect(message).toMatch(new RegExp(`${service}: redis emptied`));
    // The log line comes through the process's stdout pipe, maybe a moment after the answer.
    const logged = () =>
      (system.registry?.recentLines() ?? []).some((line) => line.includes('"store.emptied"') && line.includes('"level":"error"'));
    await expect.poll(logged, { timeout: 5000 }).toBe(true);
  });

  it("answers requests that need Redis with a retryable 503 once Redis is gone, and every service stays up", async () => {
    redis.disconnect();
    await system.infra.stopRedis();
    const deploy = await requestJson(`${system.url()}/deploy-yaml`, { body: { name: "gone", source_code: greetYaml() } });
    expect(expectError(deploy, 503, "unavailable").message).toMatch(/unreachable; try again/);
    const keys = await requestJson(`${system.url()}/v1/keys`);
    expect(expectError(keys, 503, "unavailable").message).toMatch(/unreachable; try again/);
    for (const service of [system.registry, system.access]) expect(service?.child.exitCode).toBeNull();
  });
});
