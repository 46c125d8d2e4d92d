import { createRedis, type Redis } from "@switchyard/redis";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "./helpers.ts";

let system: TestSystem;
let redis: Redis;

beforeAll(async () => {
  system = await startSystem({ withSessions: true, withMcp: true });
  redis = createRedis({ url: system.infra.redisUrl, name: "readiness-test" });
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
    const logged = (system.registry?.recentLines() ?? []).some(
      (line) => line.includes('"store.emptied"') && line.includes('"level":"error"'),
    );
    expect(logged).toBe(true);
  });
});
