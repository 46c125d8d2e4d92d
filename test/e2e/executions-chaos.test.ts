import type { ServiceProcess } from "@switchyard/local";
import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";
import { type ExecutionView, executionEvents } from "./execution-helpers.ts";

// Executions under failure: executors killed at random, NATS stopped and started, a job that
// takes its executor down every time. One system (3 executors) for all of it.
let system: TestSystem;
let upstream: Upstream;
let stuck: Upstream;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 200 });
  stuck = await startUpstream({ slowMs: 120_000 });
  const models = { ...JSON.parse(upstreamModels(upstream.url)), stuck: { base_url: stuck.url, model: "slow" } };
  system = await startSystem({
    executors: 3,
    env: {
      SWITCHYARD_MODELS: JSON.stringify(models),
      EXECUTIONS_CONCURRENCY: "16",
      EXECUTIONS_ACK_WAIT_MS: "2000",
      EXECUTIONS_MAX_ATTEMPTS: "4",
      EXECUTIONS_BACKOFF_MS: "200",
    },
  });
  await deployAll(system.url(), { work: chatPipeline("work", "slow"), poison: chatPipeline("poison", "stuck") });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
  await stuck?.stop();
});

/** Submits `count` executions of `work`, `parallel` at a time; returns the ids of the accepted ones. */
async function submitMany(count: number, tag: string, parallel = 32): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const index = next++;
        const reply = await requestJson(`${system.url()}/v1/pipelines/work/runs`, { body: { text: `${tag}-${index}` } });
        if (reply.status === 202) ids.push((reply.body as { id: string }).id);
        else console.log("refused", reply.status, JSON.stringify(reply.body));
      }
    }),
  );
  return ids;
}

/** Reads every execution once it is final (polling the list by status), failing after `timeoutMs`. */
async function waitAllFinal(ids: readonly string[], timeoutMs: number): Promise<Map<string, ExecutionView>> {
  const deadline = Date.now() + timeoutMs;
  const views = new Map<string, ExecutionView>();
  const pending = new Set(ids);
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} of ${ids.length} executions never finished`);
    for (const id of [...pending].slice(0, 200)) {
      const reply = await requestJson(`${system.url()}/v1/executions/${id}`).catch(() => undefined);
      const view = reply?.status === 200 ? (reply.body as ExecutionView) : undefined;
      if (view && ["succeeded", "failed", "cancelled", "dead_lettered"].includes(view.status)) {
        views.set(id, view);
        pending.delete(id);
      }
    }
    if (pending.size > 0) await sleep(250);
  }
  return views;
}

/** How many `succeeded` events each execution's stream holds: one recorded result is one event. */
async function resultEvents(ids: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ids.length) {
        const id = ids[next++] ?? "";
        const events = await executionEvents(system.url(), id);
        counts.set(id, events.filter((event) => event.event === "succeeded").length);
      }
    }),
  );
  return counts;
}

const instanceOf = (process: ServiceProcess) => process.ready.instance;

describe("executions under failure", () => {
  it("runs 1,000 executions to one result each while a random executor is killed every ~2 s", async () => {
    let chaos = true;
    let kills = 0;
    const alive = [...system.executors];
    const restarts: Promise<void>[] = [];
    const chaosLoop = (async () => {
      while (chaos) {
        await sleep(1500 + Math.random() * 1000);
        if (!chaos) break;
        // Keep one executor up, so the queue always moves; the killed one comes back when it is ready.
        if (alive.length < 2) continue;
        const victim = alive.splice(Math.floor(Math.random() * alive.length), 1)[0];
        if (!victim) continue;
        await victim.kill();
        kills += 1;
        restarts.push(system.startExecutor().then((started) => void alive.push(started)));
      }
    })();
    const ids = await submitMany(1000, "chaos");
    expect(ids).toHaveLength(1000);
    const views = await waitAllFinal(ids, 240_000);
    chaos = false;
    await chaosLoop;
    await Promise.all(restarts);
    const statuses = [...views.values()].map((view) => view.status);
    expect(statuses.filter((status) => status !== "succeeded")).toEqual([]);
    for (const [id, view] of views) expect(view.result, id).toEqual({ reply: expect.stringMatching(/^echo: chaos-\d+$/) });
    const counts = await resultEvents(ids);
    expect([...counts.values()].filter((count) => count !== 1)).toEqual([]);
    const redelivered = [...views.values()].filter((view) => view.deliveries > 1).length;
    const rerun = [...views.values()].filter((view) => view.attempts > 1).length;
    console.log(
      `chaos: 1000 executions, ${kills} executors killed, ${redelivered} delivered more than once, ${rerun} run more than once, every one with exactly one recorded result`,
    );
    expect(kills).toBeGreaterThan(2);
  }, 300_000);

  it("loses nothing when NATS is killed mid-queue: submissions answer 503 at once meanwhile, and the queue drains afterwards", async () => {
    const ids = await submitMany(300, "outage");
    const waiting = await requestJson(`${system.url()}/v1/executions?status=queued&limit=1`);
    await system.infra.stopNats();
    const refusals: { status: number; ms: number }[] = [];
    for (let index = 0; index < 10; index += 1) {
      const started = performance.now();
      const reply = await requestJson(`${system.url()}/v1/pipelines/work/runs`, { body: { text: "while-down" } });
      refusals.push({ status: reply.status, ms: performance.now() - started });
    }
    await sleep(1000);
    await system.infra.startNats();
    expect(refusals.map((refusal) => refusal.status)).toEqual(Array(10).fill(503));
    const slowest = Math.max(...refusals.map((refusal) => refusal.ms));
    // A bound on the wait, not a speed test: a refusal must not wait for a request timeout.
    expect(slowest).toBeLessThan(2000);
    const views = await waitAllFinal(ids, 180_000);
    expect([...views.values()].filter((view) => view.status !== "succeeded")).toEqual([]);
    const queued = (waiting.body as { total: number }).total;
    expect(queued).toBeGreaterThan(0);
    console.log(
      `NATS outage: ${ids.length} submitted before it (${queued} still queued when it stopped), all succeeded after; submissions while down answered 503 in at most ${slowest.toFixed(1)} ms`,
    );
  }, 300_000);

  it("dead-letters a job that takes its executor down on every delivery, while other executions keep flowing", async () => {
    const poison = await requestJson(`${system.url()}/v1/pipelines/poison/runs`, { body: { text: "poison" } });
    expect(poison.status).toBe(202);
    const id = (poison.body as { id: string }).id;
    const others = submitMany(100, "beside");
    let kills = 0;
    const deadline = Date.now() + 120_000;
    let view: ExecutionView | undefined;
    while (Date.now() < deadline) {
      view = (await requestJson(`${system.url()}/v1/executions/${id}`)).body as ExecutionView;
      if (view.status === "dead_lettered") break;
      const holder = view.status === "running" ? system.executors.find((process) => instanceOf(process) === view?.executor) : undefined;
      if (holder && holder.child.exitCode === null && holder.child.signalCode === null) {
        await holder.kill();
        kills += 1;
        await system.startExecutor();
      }
      await sleep(100);
    }
    expect(view?.status).toBe("dead_lettered");
    expect(view?.error?.code).toBe("dead_lettered");
    expect(view?.attempts).toBe(4);
    expect(kills).toBe(4);
    const flowing = await waitAllFinal(await others, 120_000);
    expect([...flowing.values()].filter((other) => other.status !== "succeeded").map((other) => JSON.stringify(other))).toEqual([]);
  }, 300_000);
});
