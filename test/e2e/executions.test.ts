import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";
import { type ExecutionView, executionEvents, waitForStatus } from "./execution-helpers.ts";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let upstream: Upstream;
let receiver: Server;
const callbackSecret = "a-callback-secret-of-thirty-two-characters-or-more";
/** Callbacks the receiver got: headers and body; it refuses the first one for each execution with 500. */
const callbacks: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 30_000 });
  const refused = new Set<string>();
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const id = String(request.headers["x-switchyard-execution"]);
      callbacks.push({ headers: request.headers, body });
      if (!refused.has(id)) {
        refused.add(id);
        response.writeHead(500).end();
        return;
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  system = await startSystem({
    executors: 2,
    env: {
      SWITCHYARD_MODELS: upstreamModels(upstream.url),
      // One background run per executor: two slow runs fill them and a third waits in the queue.
      EXECUTIONS_CONCURRENCY: "1",
      EXECUTIONS_CALLBACK_SECRET: callbackSecret,
      EXECUTIONS_CALLBACK_ALLOW: "127.0.0.1",
      EXECUTIONS_DEFINITION_CONCURRENCY: JSON.stringify({ single: 1 }),
      EXECUTIONS_MAX_ATTEMPTS: "3",
      EXECUTIONS_BACKOFF_MS: "100",
    },
  });
  await deployAll(system.url(), {
    hello: greetYaml(),
    sleeper: chatPipeline("sleeper", "slow"),
    single: chatPipeline("single", "slow"),
    flaky: chatPipeline("flaky", "broken"),
  });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
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

  it("retries a retryable failure with backoff up to the attempt limit, then records it failed", async () => {
    const submitted = await requestJson(`${system.url()}/v1/pipelines/flaky/runs`, { body: { text: "retry me" } });
    const id = (submitted.body as { id: string }).id;
    const failed = await waitForStatus(system.url(), id, "failed");
    expect(failed.attempts).toBe(3);
    expect(failed.error?.code).toBe("upstream_error");
    expect(upstream.requests.filter((request) => JSON.stringify(request.messages).includes("retry me"))).toHaveLength(3);
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

  it("cancels a queued execution before it runs, and a running one with its upstream call closed within a second", async () => {
    const submit = async (text: string) => {
      const reply = await requestJson(`${system.url()}/v1/pipelines/sleeper/runs`, { body: { text } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(202);
      return (reply.body as { id: string }).id;
    };
    const first = await submit("first");
    const second = await submit("second");
    await waitForStatus(system.url(), first, "running");
    await waitForStatus(system.url(), second, "running");
    const third = await submit("third");
    const queued = await requestJson(`${system.url()}/v1/executions/${third}/cancel`, { method: "POST" });
    expect(queued.body).toMatchObject({ status: "cancelled", attempts: 0 });

    const openCall = (text: string) =>
      upstream.requests.find((request) => JSON.stringify(request.messages).includes(text) && request.socketClosedAt === undefined);
    const deadline = Date.now() + 10_000;
    while (!openCall("first") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const open = openCall("first");
    expect(open).toBeDefined();
    const cancelledAt = performance.now();
    const cancelled = await requestJson(`${system.url()}/v1/executions/${first}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled" });
    const closeDeadline = Date.now() + 5000;
    while (open?.socketClosedAt === undefined && Date.now() < closeDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((open?.socketClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(1000);
    await requestJson(`${system.url()}/v1/executions/${second}/cancel`, { method: "POST" });
    // The freed slots would have taken the third: it stays cancelled, never run, never sent upstream.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await requestJson(`${system.url()}/v1/executions/${third}`)).body).toMatchObject({ status: "cancelled", attempts: 0 });
    expect(upstream.requests.filter((request) => JSON.stringify(request.messages).includes("third"))).toEqual([]);
    expect((await requestJson(`${system.url()}/v1/executions/${first}`)).body).toMatchObject({ status: "cancelled" });
  });

  it("runs at most a definition's concurrency limit at once across executors; the others wait queued, spending no attempt", async () => {
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) {
      const reply = await requestJson(`${system.url()}/v1/pipelines/single/runs`, { body: { text } });
      ids.push((reply.body as { id: string }).id);
    }
    const read = async () =>
      Promise.all(ids.map(async (id) => (await requestJson(`${system.url()}/v1/executions/${id}`)).body as ExecutionView));
    const deadline = Date.now() + 10_000;
    while ((await read()).every((view) => view.status !== "running") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Two executors with a free slot each, and still only one of the three runs.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const views = await read();
    expect(views.filter((view) => view.status === "running")).toHaveLength(1);
    const waiting = views.filter((view) => view.status === "queued");
    expect(waiting).toHaveLength(2);
    for (const view of waiting) expect(view.attempts).toBe(0);
    const running = views.find((view) => view.status === "running");
    await requestJson(`${system.url()}/v1/executions/${running?.id}/cancel`, { method: "POST" });
    // The slot it held goes to one of the others.
    const next = Date.now() + 10_000;
    while ((await read()).filter((view) => view.status === "running").length !== 1 && Date.now() < next) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await read();
    expect(after.filter((view) => view.status === "running")).toHaveLength(1);
    expect(after.filter((view) => view.status === "queued")).toHaveLength(1);
    for (const id of ids) await requestJson(`${system.url()}/v1/executions/${id}/cancel`, { method: "POST" });
  });

  it("POSTs a signed callback when an execution ends, retried until the receiver takes it, and refuses private targets", async () => {
    const address = receiver.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const submitted = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, {
      body: { name: "Callback", callback_url: `http://127.0.0.1:${port}/hook` },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id = (submitted.body as { id: string }).id;
    const deadline = Date.now() + 10_000;
    while (callbacks.filter((callback) => callback.headers["x-switchyard-execution"] === id).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const mine = callbacks.filter((callback) => callback.headers["x-switchyard-execution"] === id);
    expect(mine).toHaveLength(2);
    for (const callback of mine) {
      const timestamp = String(callback.headers["x-switchyard-timestamp"]);
      const expected = createHmac("sha256", callbackSecret).update(`${timestamp}.${callback.body}`).digest("hex");
      expect(callback.headers["x-switchyard-signature"]).toBe(`sha256=${expected}`);
      expect(JSON.parse(callback.body)).toMatchObject({
        type: "execution.finished",
        execution: { id, status: "succeeded", result: { text: "Hello, Callback x1" } },
      });
    }
    // The inputs the run saw did not include the callback.
    expect((await requestJson(`${system.url()}/v1/executions/${id}`)).body).toMatchObject({ inputs: { name: "Callback" } });
    for (const target of ["http://169.254.169.254/latest/meta-data", "http://10.0.0.7/hook", "file:///etc/passwd"]) {
      const refused = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: "x", callback_url: target } });
      expect([400, 422], JSON.stringify(refused.body)).toContain(refused.status);
    }
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
    // Nor cancel it: another key's execution is not found, and stays as it was.
    const before = (await requestJson(`${system.url()}/v1/executions/${someoneElse?.id}`)).body as { status: string };
    expectError(await requestJson(`${system.url()}/v1/executions/${someoneElse?.id}/cancel`, { ...as, method: "POST" }), 404, "not_found");
    expect(((await requestJson(`${system.url()}/v1/executions/${someoneElse?.id}`)).body as { status: string }).status).toBe(before.status);
  });
});
