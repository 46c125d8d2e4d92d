import { randomUUID } from "node:crypto";
import { createSubjects, JsonObject, RunEvent, runLimits } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { connectNats, decodeBatch, encodeJson } from "@switchyard/nats";
import { type SingleServer, startNatsOnly, track } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutorLink } from "./run-link.ts";
import { createRunPublisher, type RunEventBody } from "./run-publisher.ts";

const subjects = createSubjects("sy");
const window = runLimits.creditWindow;
let server: SingleServer | undefined;

beforeAll(async () => {
  server = await startNatsOnly("run-publisher-test");
});

afterAll(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets the publisher's promise chain run after a message woke it. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const delta = (text: string): RunEventBody => ({ type: "delta", component: "answer", text });

/**
 * The executor's connection (its run link and the publisher under test) and the gateway's, played by
 * the test on its own link subject: it records this run's events and grants credit.
 */
async function publisherFixture(flowControl: boolean, onStalled?: (reason: AppError) => void) {
  if (!server) throw new Error("nats-server did not start");
  const gateway = await connectNats({ url: server.url, name: "test-gateway" });
  const executor = await connectNats({ url: server.url, name: "test-executor" });
  const link = createExecutorLink(executor, subjects);
  const gatewayLink = `gateway-${randomUUID()}`;
  const runId = `run-${randomUUID()}`;
  const events: RunEvent[] = [];
  /** The same events as sent (without the run id beside them), before the schema strips unknown fields. */
  const raw: JsonObject[] = [];
  gateway.subscribe(subjects.link("gateway", gatewayLink), {
    callback: (error, message) => {
      if (error) return;
      for (const item of decodeBatch(message.data) ?? []) {
        const { runId: itemRun, ...event } = JsonObject.parse(item);
        if (itemRun !== runId) continue;
        raw.push(event);
        events.push(RunEvent.parse(event));
      }
    },
  });
  await gateway.flush();
  const controller = new AbortController();
  const publisher = createRunPublisher(link, {
    runId,
    gatewayLink,
    flowControl,
    signal: controller.signal,
    ...(onStalled ? { onStalled } : {}),
  });
  await executor.flush();
  return {
    executor,
    link,
    publisher,
    controller,
    events,
    raw,
    seqs: () => events.flatMap((event) => (event.type === "heartbeat" ? [] : [event.seq])),
    grant(upTo: number) {
      gateway.publish(subjects.link("executor", link.id), encodeJson({ items: [{ runId, type: "credit", upTo }] }));
    },
    /** Round trips both ways: published events reached the gateway, published credit reached the executor. */
    async settle() {
      // Each link publishes its batch at the end of the event loop's turn: let it go before each round trip.
      await turn();
      await executor.flush();
      await gateway.flush();
      await executor.flush();
      await turn();
    },
    /** Emits the first window, which needs no credit. */
    async fillWindow() {
      for (let index = 0; index < window; index += 1) await publisher.emit(delta(`w${index}`));
    },
    async [Symbol.asyncDispose]() {
      publisher.close();
      link.close();
      await gateway.close();
      await executor.close();
    },
  };
}

describe("createRunPublisher", () => {
  it("numbers events from 0 with no gaps; heartbeats carry no seq", async () => {
    await using run = await publisherFixture(false);
    await run.publisher.emit(delta("a"));
    run.publisher.heartbeat();
    await run.publisher.emit({ type: "tool_call", component: "answer", index: 0, id: "c1", name: "lookup", arguments: "{}" });
    await run.publisher.emit({ type: "tool_result", id: "c1", name: "lookup", content: "found", is_error: false });
    run.publisher.heartbeat();
    await run.publisher.emit({ type: "done", outputs: { text: "a" } });
    await run.settle();
    expect(run.events.map((event) => event.type)).toEqual(["delta", "heartbeat", "tool_call", "tool_result", "heartbeat", "done"]);
    expect(run.seqs()).toEqual([0, 1, 2, 3]);
    expect(run.raw.filter((event) => event.type === "heartbeat")).toEqual([{ type: "heartbeat" }, { type: "heartbeat" }]);
  });

  it("with flow control, holds the event at the window until credit beyond its seq arrives", async () => {
    await using run = await publisherFixture(true);
    await run.fillWindow();
    const emitted = run.publisher.emit(delta("over"));
    const state = track(emitted);
    await run.settle();
    expect(state.settled).toBe(false);
    expect(run.seqs()).toHaveLength(window);
    // upTo is exclusive: a grant of exactly the window does not cover event #window.
    run.grant(window);
    await run.settle();
    expect(state.settled).toBe(false);
    run.grant(window + 1);
    await emitted;
    await run.settle();
    expect(run.seqs()).toEqual(Array.from({ length: window + 1 }, (_, seq) => seq));
    // And the one after waits again.
    const next = track(run.publisher.emit(delta("next")));
    await run.settle();
    expect(next.settled).toBe(false);
    run.grant(window + 2);
    await expect.poll(() => next.settled).toBe(true);
    expect(next.error).toBeUndefined();
  });

  it.each(["done", "error"] as const)("sends a terminal %s event without credit", async (type) => {
    await using run = await publisherFixture(true);
    await run.fillWindow();
    const terminal: RunEventBody =
      type === "done" ? { type, outputs: { text: "end" } } : { type, error: new AppError("upstream_error", "provider failed").toWire() };
    await run.publisher.emit(terminal);
    await run.settle();
    expect(run.events.at(-1)).toEqual({ ...terminal, seq: window });
  });

  it("without flow control, nothing waits and credit changes nothing", async () => {
    await using run = await publisherFixture(false);
    const total = 3 * window;
    for (let index = 0; index < total; index += 1) await run.publisher.emit(delta(`n${index}`));
    await run.settle();
    expect(run.seqs()).toEqual(Array.from({ length: total }, (_, seq) => seq));
    run.grant(1);
    await run.settle();
    for (let index = 0; index < window; index += 1) await run.publisher.emit(delta(`m${index}`));
    await run.settle();
    expect(run.seqs()).toEqual(Array.from({ length: total + window }, (_, seq) => seq));
  });

  it("while paused, repeated grants keep it waiting; when they stop, emit fails as unavailable", async () => {
    await using run = await publisherFixture(true);
    await run.fillWindow();
    const emitted = run.publisher.emit(delta("over"));
    const state = track(emitted);
    // The gateway repeats its (unchanged) grant, as it does every heartbeat while its client is there.
    const keepAliveMs = runLimits.heartbeatTimeoutMs + 2 * runLimits.heartbeatMs;
    const repeats = Math.ceil(keepAliveMs / (runLimits.heartbeatMs / 2));
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      run.grant(window);
      await sleep(runLimits.heartbeatMs / 2);
      expect(state.settled).toBe(false);
    }
    await expect(emitted).rejects.toMatchObject({
      code: "unavailable",
      message: "the gateway streaming this run stopped answering",
    });
    await run.settle();
    expect(run.seqs()).toHaveLength(window);
  });

  it("streaming but never paused: repeated grants keep it going; credit silence for the watchdog time reports it stalled, once", async () => {
    const stalls: { at: number; reason: AppError }[] = [];
    await using run = await publisherFixture(true, (reason) => stalls.push({ at: performance.now(), reason }));
    let lastGrantAt = performance.now();
    const keepAliveMs = runLimits.heartbeatTimeoutMs + 2 * runLimits.heartbeatMs;
    for (let elapsed = 0; elapsed < keepAliveMs; elapsed += runLimits.heartbeatMs / 2) {
      // Far inside the window: emit never waits, so only the watchdog can notice the silence.
      await run.publisher.emit(delta(`d${elapsed}`));
      run.grant(window + elapsed);
      lastGrantAt = performance.now();
      await sleep(runLimits.heartbeatMs / 2);
    }
    expect(stalls).toHaveLength(0);
    await expect.poll(() => stalls.length, { timeout: runLimits.heartbeatTimeoutMs + 1000, interval: 20 }).toBe(1);
    const delay = (stalls[0]?.at ?? 0) - lastGrantAt;
    console.log(`streamed run, never paused: last credit → stalled: ${delay.toFixed(0)} ms`);
    expect(delay).toBeGreaterThanOrEqual(runLimits.heartbeatTimeoutMs - 50);
    expect(delay).toBeLessThan(runLimits.heartbeatTimeoutMs + 300);
    expect(stalls[0]?.reason).toMatchObject({ code: "unavailable", message: "the gateway streaming this run stopped answering" });
    await sleep(runLimits.heartbeatMs);
    expect(stalls).toHaveLength(1);
  });

  it("without flow control, or once closed, nothing is reported stalled", async () => {
    const stalls: AppError[] = [];
    await using plain = await publisherFixture(false, (reason) => stalls.push(reason));
    await using closed = await publisherFixture(true, (reason) => stalls.push(reason));
    await plain.publisher.emit(delta("a"));
    closed.publisher.close();
    await sleep(runLimits.heartbeatTimeoutMs + runLimits.heartbeatMs);
    expect(stalls).toHaveLength(0);
  });

  it("aborting the signal wakes a paused emit, which rejects with the abort reason and publishes nothing", async () => {
    await using run = await publisherFixture(true);
    await run.fillWindow();
    const emitted = run.publisher.emit(delta("over"));
    const state = track(emitted);
    await run.settle();
    expect(state.settled).toBe(false);
    const reason = new AppError("cancelled", "the run was cancelled by its client");
    run.controller.abort(reason);
    await expect(emitted).rejects.toBe(reason);
    // Credit after the abort does not let a non-terminal event out; the terminal one still goes.
    run.grant(2 * window);
    await run.settle();
    await expect(run.publisher.emit(delta("late"))).rejects.toBe(reason);
    await run.publisher.emit({ type: "error", error: reason.toWire() });
    await run.settle();
    expect(run.seqs()).toHaveLength(window + 1);
    expect(run.events.at(-1)).toEqual({ type: "error", seq: window, error: reason.toWire() });
  });

  it("close() leaves the link: credit for the run is no longer routed, and its heartbeats stop", async () => {
    await using run = await publisherFixture(true);
    expect(run.link.openRuns()).toBe(1);
    run.grant(window + 1);
    await run.settle();
    run.publisher.close();
    expect(run.link.openRuns()).toBe(0);
    const heard = run.events.length;
    run.grant(window + 2);
    await sleep(2 * runLimits.heartbeatMs);
    await run.settle();
    expect(run.events).toHaveLength(heard);
  });
});
