import { type SingleServer, startNatsOnly, startUpstream, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExecutorFixture, startExecutorFixture, type TestRun } from "./test-fixture.ts";

/**
 * A provider at its limit answers with a clear 503 within a bounded wait, and never starves
 * the executor: a run refused for it frees its slot at once, runs waiting for it hold none,
 * and template-only runs keep being served. Real nats-server, real executor, real HTTP upstream.
 */

const maxRuns = 2;
const queueWaitMs = 1500;
let nats: SingleServer | undefined;
let upstream: Upstream | undefined;
let fixture: ExecutorFixture | undefined;

beforeAll(async () => {
  nats = await startNatsOnly("executor-limits");
  upstream = await startUpstream({ slowMs: 8000 });
  fixture = await startExecutorFixture({
    natsUrl: nats.url,
    definitions: {
      ask: {
        document: {
          name: "ask",
          inputs: { q: { type: "string" } },
          components: { answer: { type: "llm", model: "up", prompt: "inputs.q" } },
          outputs: { text: "answer.text" },
        },
      },
      greet: {
        document: {
          name: "greet",
          inputs: { who: { type: "string" } },
          components: { hello: { type: "template", template: "hello {{ who }}" } },
          outputs: { text: "hello.text" },
        },
      },
    },
    env: {
      SWITCHYARD_MODELS: JSON.stringify({ up: { base_url: upstream.url, model: "slow" } }),
      EXECUTOR_MAX_RUNS: String(maxRuns),
      EXECUTOR_PROVIDER_CONCURRENCY: "1",
      EXECUTOR_PROVIDER_QUEUE: "1",
      EXECUTOR_PROVIDER_QUEUE_MS: String(queueWaitMs),
    },
  });
});

afterAll(async () => {
  await fixture?.close();
  await upstream?.stop();
  await nats?.stop();
});

describe("an executor whose provider is at its limit", () => {
  it("refuses the call past the queue at once with a 503 and frees its slot; the queued one gets a 503 after the wait; templates keep running", async () => {
    if (!fixture || !upstream) throw new Error("setup failed");
    const start = performance.now();
    // More provider runs than the executor has slots: before, two filled them, waiting on the provider without a word.
    const inFlight = fixture.run({ name: "ask", inputs: { q: "one" } });
    await inFlight.accepted;
    await expect.poll(() => upstream?.requests.length).toBe(1);
    const queued = fixture.run({ name: "ask", inputs: { q: "two" } });
    await queued.accepted;
    const refused = fixture.run({ name: "ask", inputs: { q: "three" } });
    await refused.accepted;

    const refusedEnd = await refused.end;
    const refusedAt = performance.now() - start;
    expect(refusedEnd).toMatchObject({
      type: "error",
      error: {
        code: "unavailable",
        message: "component 'answer': model provider 'up' is at its limit of 1 concurrent calls and 1 waiting; try again",
      },
    });
    expect(refusedAt).toBeLessThan(1000);
    // Its slot is free at once; the queued run holds none.
    await expect.poll(() => fixture?.executor.activeRuns(), { interval: 5 }).toBe(2);

    // Template-only runs are served meanwhile, though the open runs are as many as the slots: the queued one holds none.
    for (let index = 0; index < maxRuns; index += 1) {
      const template = fixture.run({ name: "greet", inputs: { who: `#${index}` } });
      await template.accepted;
      expect(await template.end).toMatchObject({ type: "done", outputs: { text: `hello #${index}` } });
    }

    const queuedEnd = await queued.end;
    const queuedAt = performance.now() - start;
    console.log(
      `provider at 1 call + 1 waiting, ${maxRuns} run slots: past the queue refused in ${refusedAt.toFixed(0)} ms, ` +
        `queued one refused after ${queuedAt.toFixed(0)} ms, ${maxRuns} template runs served meanwhile`,
    );
    expect(queuedEnd).toMatchObject({
      type: "error",
      error: {
        code: "unavailable",
        message: `component 'answer': model provider 'up' is at its limit of 1 concurrent calls (waited ${queueWaitMs} ms); try again`,
      },
    });
    expect(queuedAt).toBeGreaterThanOrEqual(queueWaitMs - 50);
    expect(queuedAt).toBeLessThan(queueWaitMs + 1000);
    // Only the first call ever reached the provider.
    expect(upstream.requests).toHaveLength(1);
    await expect.poll(() => fixture?.executor.activeRuns()).toBe(1);

    await publishCancel(fixture, inFlight);
    expect(await inFlight.end).toMatchObject({ type: "error", error: { code: "cancelled" } });
    await expect.poll(() => upstream?.requests[0]?.socketClosedAt).toBeDefined();
  }, 30_000);
});

/** What a gateway sends when its client goes away: a cancel on the link of the executor that took the run. */
async function publishCancel(target: ExecutorFixture, run: TestRun) {
  const { link } = await run.accepted;
  target.gatewayNats.publish(`sy.link.executor.${link}`, JSON.stringify({ items: [{ runId: run.runId, type: "cancel" }] }));
}
