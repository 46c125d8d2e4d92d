import { randomUUID } from "node:crypto";
import { createSubjects, type OrderedRunEvent, RunControl, type RunEvent, runLimits } from "@switchyard/contracts";
import { AppError, type WireError } from "@switchyard/errors";
import { connectNats, decodeBatch, encodeJson } from "@switchyard/nats";
import { type SingleServer, startNatsOnly, track } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayLink } from "./run-link.ts";
import { type EventSink, openRunStream, type RunStream, type StreamedEvent } from "./run-stream.ts";

const subjects = createSubjects("sy");
const window = runLimits.creditWindow;
let server: SingleServer | undefined;

beforeAll(async () => {
  server = await startNatsOnly("run-stream-test");
});

afterAll(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delta = (seq: number): OrderedRunEvent => ({ type: "delta", seq, component: "answer", text: `word${seq} ` });

/** A sink that records sequence numbers; `more` says what onEvent answers; drained() resolves when the test calls release(). */
function recordingSink() {
  const seen: number[] = [];
  const state = { more: true, drainCalls: 0, release: () => {} };
  const sink: EventSink = {
    onEvent(event: StreamedEvent) {
      seen.push(event.seq);
      return state.more;
    },
    drained() {
      state.drainCalls += 1;
      return new Promise<void>((resolve) => {
        state.release = resolve;
      });
    },
  };
  return { sink, seen, state };
}

/**
 * Two connections: the gateway's (its run link, where the stream under test reads) and the executor's
 * (played by the test: it publishes events to the gateway's link and records the credit grants sent
 * to its own). `accepted()` takes the run as that executor.
 */
async function runFixture() {
  if (!server) throw new Error("nats-server did not start");
  const gateway = await connectNats({ url: server.url, name: "test-gateway" });
  const executor = await connectNats({ url: server.url, name: "test-executor" });
  const link = createGatewayLink(gateway, subjects);
  const executorLink = `executor-${randomUUID()}`;
  const runId = `run-${randomUUID()}`;
  const grants: number[] = [];
  const streams: RunStream[] = [];
  executor.subscribe(subjects.link("executor", executorLink), {
    callback: (error, message) => {
      if (error) return;
      for (const item of decodeBatch(message.data) ?? []) {
        const control = RunControl.parse(item);
        if (control.runId === runId && control.type === "credit") grants.push(control.upTo);
      }
    },
  });
  await executor.flush();
  await gateway.flush();
  return {
    gateway,
    executor,
    link,
    grants: () => grants,
    async open(sink?: EventSink, deadlineMs = 60_000) {
      const stream = openRunStream(link, { runId, deadlineMs, sink });
      streams.push(stream);
      await gateway.flush();
      return { ...stream, accepted: () => stream.accepted(executorLink) };
    },
    /** One event, in a batch of its own. */
    publish(event: RunEvent | Record<string, unknown>) {
      executor.publish(subjects.link("gateway", link.id), encodeJson({ items: [{ runId, ...event }] }));
    },
    /** A round trip both ways: what the executor published has been handled by the gateway, and what that published has arrived. */
    async settle() {
      await executor.flush();
      await gateway.flush();
      // The gateway's link publishes its credit batch at the end of the event loop's turn.
      await new Promise((resolve) => setImmediate(resolve));
      await executor.flush();
    },
    async [Symbol.asyncDispose]() {
      for (const stream of streams) stream.close();
      link.close();
      await gateway.close();
      await executor.close();
    },
  };
}

describe("openRunStream", () => {
  it("rejects a gap in seq as lost events, naming the expected and received numbers, and hands nothing after it", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    stream.accepted();
    for (const seq of [0, 1, 3, 2, 4]) run.publish(delta(seq));
    const error = await stream.result.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "internal", message: expect.stringMatching(/expected #2\b.*got #3\b/) });
    await run.settle();
    expect(seen).toEqual([0, 1]);
  });

  it("holds events that overtake the accept until accepted(), then hands them on in order", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    const result = track(stream.result);
    const done: OrderedRunEvent = { type: "done", seq: 5, outputs: { text: "all of it" } };
    for (let seq = 0; seq < 5; seq += 1) run.publish(delta(seq));
    run.publish(done);
    await run.settle();
    expect(seen).toEqual([]);
    expect(result.settled).toBe(false);
    expect(run.grants()).toEqual([]);
    stream.accepted();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    await expect(stream.result).resolves.toEqual(done);
  });

  it("fails when more events than a window (plus slack) overtake the accept, and hands none of them on", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    const result = track(stream.result);
    for (let seq = 0; seq < window + 2; seq += 1) run.publish(delta(seq));
    await run.settle();
    expect(result.settled).toBe(false);
    run.publish(delta(window + 2));
    await expect(stream.result).rejects.toMatchObject({
      code: "internal",
      message: expect.stringMatching(/more events than it was granted/),
    });
    stream.accepted();
    expect(seen).toEqual([]);
  });

  it("starts the watchdog at accepted(); heartbeats keep the stream open; silence then fails it as unavailable", async () => {
    await using run = await runFixture();
    const stream = await run.open(recordingSink().sink);
    const result = track(stream.result);
    // Before the accept nothing is expected from the executor: silence is not fatal yet.
    await sleep(runLimits.heartbeatTimeoutMs + runLimits.heartbeatMs);
    expect(result.settled).toBe(false);
    stream.accepted();
    const keepAliveMs = runLimits.heartbeatTimeoutMs + 2 * runLimits.heartbeatMs;
    const beats = Math.ceil(keepAliveMs / (runLimits.heartbeatMs / 2));
    for (let beat = 0; beat < beats; beat += 1) {
      run.publish({ type: "heartbeat" });
      await sleep(runLimits.heartbeatMs / 2);
      expect(result.settled).toBe(false);
    }
    await run.settle();
    expect(result.settled).toBe(false);
    await expect(stream.result).rejects.toMatchObject({ code: "unavailable", message: expect.stringMatching(/stopped answering/) });
  });

  it("fails with timeout at the run's deadline even while heartbeats flow", async () => {
    await using run = await runFixture();
    const deadlineMs = 100;
    const stream = await run.open(undefined, deadlineMs);
    const result = track(stream.result);
    stream.accepted();
    for (let beat = 0; beat < 100 && !result.settled; beat += 1) {
      run.publish({ type: "heartbeat" });
      await sleep(runLimits.heartbeatMs / 5);
    }
    expect(result.error).toMatchObject({ code: "timeout", message: expect.stringContaining(`${deadlineMs} ms`) });
  });

  it("ends the stream on an event that does not parse, as the executor's fault, and hands nothing after it", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    stream.accepted();
    run.publish(delta(0));
    run.publish({ type: "delta", seq: 1 });
    run.publish(delta(1));
    run.publish(delta(2));
    // Not a 400 naming an internal field: the client's request was fine.
    await expect(stream.result).rejects.toMatchObject({ code: "internal", message: "the executor sent a malformed run event" });
    await run.settle();
    expect(seen).toEqual([0]);
  });

  it("resolves result with the done event, after handing the deltas before it to the sink", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    stream.accepted();
    const done: OrderedRunEvent = {
      type: "done",
      seq: 2,
      outputs: { text: "word0 word1 " },
      chat: { text: "word0 word1 ", finish_reason: "stop", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    };
    run.publish(delta(0));
    run.publish(delta(1));
    run.publish(done);
    await expect(stream.result).resolves.toEqual(done);
    expect(seen).toEqual([0, 1]);
  });

  it("rejects result with the executor's error as fromWire makes it: code, message, param, details, retryable kept", async () => {
    await using run = await runFixture();
    const stream = await run.open(recordingSink().sink);
    stream.accepted();
    const wire: WireError = {
      code: "invalid_input",
      message: "inputs.q: expected string",
      param: "inputs.q",
      details: { seen: 3 },
      retryable: true,
    };
    run.publish({ type: "error", seq: 0, error: wire });
    const error = await stream.result.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AppError);
    if (!(error instanceof AppError)) return;
    expect({ code: error.code, message: error.message, param: error.param, details: error.details, retryable: error.retryable }).toEqual(
      wire,
    );
    expect(error.toWire()).toEqual(wire);
  });

  it("grants credit as the sink takes events: increasing, at least half a window and at most a window ahead", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    stream.accepted();
    // Before any grant the executor may send a window.
    const highest = () => Math.max(window, ...run.grants());
    // One event at a time, each handled (and its grant, if any, heard) before the next: the credit ahead is known after each.
    const total = 3 * window + window / 2;
    for (let seq = 0; seq < total; seq += 1) {
      run.publish(delta(seq));
      await run.settle();
      expect(seen).toHaveLength(seq + 1);
      const ahead = highest() - seen.length;
      expect(ahead).toBeGreaterThanOrEqual(window / 2);
      expect(ahead).toBeLessThanOrEqual(window);
    }
    const grants = run.grants();
    expect(grants).toEqual([...grants].sort((a, b) => a - b));
    expect(new Set(grants).size).toBeGreaterThanOrEqual(3);
  });

  it("repeats the current grant every heartbeat once accepted, while no event arrives", async () => {
    await using run = await runFixture();
    const stream = await run.open(recordingSink().sink);
    await run.settle();
    expect(run.grants()).toEqual([]);
    stream.accepted();
    await expect.poll(() => run.grants().length, { timeout: 10 * runLimits.heartbeatMs, interval: 50 }).toBeGreaterThanOrEqual(3);
    expect(new Set(run.grants())).toEqual(new Set([window]));
  });

  it("stops granting while the sink is full and grants again once it drained", async () => {
    await using run = await runFixture();
    const { sink, seen, state } = recordingSink();
    const stream = await run.open(sink);
    state.more = false;
    stream.accepted();
    for (let seq = 0; seq < window; seq += 1) run.publish(delta(seq));
    await run.settle();
    expect(seen).toHaveLength(window);
    expect(state.drainCalls).toBe(1);
    // Only repeats of the first window may have gone out (the heartbeat), nothing beyond it.
    expect(run.grants().every((upTo) => upTo === window)).toBe(true);
    state.more = true;
    state.release();
    await expect.poll(() => Math.max(0, ...run.grants())).toBeGreaterThan(window);
    const grant = run.grants().find((upTo) => upTo > window);
    expect(grant).toBeLessThanOrEqual(seen.length + window);
  });

  it("fail(error) rejects result with that error, and a later done does not change it", async () => {
    await using run = await runFixture();
    const stream = await run.open(recordingSink().sink);
    stream.accepted();
    const error = new AppError("cancelled", "the client went away");
    stream.fail(error);
    run.publish({ type: "done", seq: 0, outputs: {} });
    await run.settle();
    await expect(stream.result).rejects.toBe(error);
  });

  it("close() leaves the link and stops its timers: later events are not handed on, no grant repeats, no watchdog", async () => {
    await using run = await runFixture();
    const { sink, seen } = recordingSink();
    const stream = await run.open(sink);
    const result = track(stream.result);
    stream.accepted();
    run.publish(delta(0));
    await run.settle();
    expect(seen).toEqual([0]);
    stream.close();
    await run.gateway.flush();
    expect(run.link.openRuns()).toBe(0);
    const grantsBefore = run.grants().length;
    run.publish(delta(1));
    await run.settle();
    expect(seen).toEqual([0]);
    await sleep(runLimits.heartbeatTimeoutMs + runLimits.heartbeatMs);
    await run.settle();
    expect(run.grants()).toHaveLength(grantsBefore);
    expect(result.settled).toBe(false);
  });
});
