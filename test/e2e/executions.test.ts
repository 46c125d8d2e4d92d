import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";
import { executionEvents, waitForStatus } from "./execution-helpers.ts";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 30_000 });
  system = await startSystem({ executors: 2, env: { SWITCHYARD_MODELS: upstreamModels(upstream.url) } });
  await deployAll(system.url(), { hello: greetYaml(), sleeper: chatPipeline("sleeper", "slow") });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

describe("background executions", () => {
  it("queues a run with 202 and a Location, then records its one result", async () => {
    const submitted = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: "Ada", times: 2 } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const execution = submitted.body as { id: string; status: string };
    expect(execution).toMatchObject({ status: "queued", name: "hello", kind: "pipeline", attempts: 0 });
    expect(submitted.headers.get("location")).toBe(`/v1/executions/${execution.id}`);
    const done = await waitForStatus(system.url(), execution.id, "succeeded");
    expect(done).toMatchObject({ result: { text: "Hello, Ada x2" }, attempts: 1 });
    expect(done.finishedAt).toBeDefined();

    const listed = await requestJson(`${system.url()}/v1/executions?pipeline=hello&status=succeeded`);
    expect((listed.body as { items: { id: string }[] }).items.map((item) => item.id)).toContain(execution.id);
    const status = await requestJson(`${system.url()}/v1/pipelines/hello/status?run_id=${execution.id}`);
    expect(status.body).toMatchObject({ pipeline: "hello", run_id: execution.id, status: "completed" });

    const events = await executionEvents(system.url(), execution.id);
    expect(events.map((event) => event.event)).toEqual(["queued", "running", "succeeded"]);
    // Resumed after the second event, only the last one comes again.
    const resumed = await executionEvents(system.url(), execution.id, events[1]?.id);
    expect(resumed.map((event) => event.event)).toEqual(["succeeded"]);
  });

  it("refuses bad input at once, and an unknown pipeline, in the face's error shape", async () => {
    const bad = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: 42 } });
    expectError(bad, 422, "invalid_input");
    const missing = await requestJson(`${system.url()}/v1/pipelines/nothing-here/runs`, { body: {} });
    expectError(missing, 404, "not_found");
    expectError(await requestJson(`${system.url()}/v1/executions/exe_000000000000000000000000`), 404, "not_found");
  });

  it("turns 50 concurrent submissions under one Idempotency-Key into one execution, and a different body into 409", async () => {
    const headers = { "idempotency-key": `key-${Date.now()}` };
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: "Once" }, headers })),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(50).fill(202));
    const ids = new Set(replies.map((reply) => (reply.body as { id: string }).id));
    expect(ids.size).toBe(1);
    const conflict = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: "Other" }, headers });
    expectError(conflict, 409, "conflict");
    const [id] = [...ids];
    await waitForStatus(system.url(), id ?? "", "succeeded");
    const all = await requestJson(`${system.url()}/v1/executions?pipeline=hello&limit=1000`);
    const once = (all.body as { items: { inputs: { name?: string } }[] }).items.filter((item) => item.inputs.name === "Once");
    expect(once).toHaveLength(1);
  });

  it("cancels a queued or running execution: a running one has its upstream call closed within a second", async () => {
    const submitted = await requestJson(`${system.url()}/v1/pipelines/sleeper/runs`, { body: { text: "wait" } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id = (submitted.body as { id: string }).id;
    await waitForStatus(system.url(), id, "running");
    // The upstream has the request open; wait until it is there.
    const deadline = Date.now() + 10_000;
    while (upstream.requests.filter((request) => request.model === "slow" && request.socketClosedAt === undefined).length === 0) {
      if (Date.now() > deadline) throw new Error("the slow call never reached the upstream");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const open = upstream.requests.find((request) => request.model === "slow" && request.socketClosedAt === undefined);
    const cancelledAt = performance.now();
    const cancelled = await requestJson(`${system.url()}/v1/executions/${id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled" });
    const closeDeadline = Date.now() + 5000;
    while (open?.socketClosedAt === undefined && Date.now() < closeDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(open?.socketClosedAt).toBeDefined();
    expect((open?.socketClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(1000);
    // Cancelled stays cancelled: no result is written afterwards.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await requestJson(`${system.url()}/v1/executions/${id}`)).body).toMatchObject({ status: "cancelled" });
  });

  it("keeps each key to its own executions", async () => {
    const created = await requestJson(`${system.url()}/v1/keys`, { body: { name: "runner", role: "invoke" } });
    const secret = (created.body as { secret: string }).secret;
    const as = { auth: false, headers: { "x-api-key": secret } };
    const mine = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { ...as, body: { name: "Mine" } });
    expect(mine.status).toBe(202);
    const listed = await requestJson(`${system.url()}/v1/executions`, as);
    const items = (listed.body as { items: { owner: string }[]; total: number }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((item) => item.owner)).size).toBe(1);
    const adminOnes = await requestJson(`${system.url()}/v1/executions?limit=1000`);
    const someoneElse = (adminOnes.body as { items: { id: string; owner: string }[] }).items.find((item) => item.owner !== items[0]?.owner);
    expect(someoneElse).toBeDefined();
    expectError(await requestJson(`${system.url()}/v1/executions/${someoneElse?.id}`, as), 404, "not_found");
  });
});
