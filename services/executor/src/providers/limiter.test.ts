import { AppError } from "@switchyard/errors";
import { startUpstream, type Upstream } from "@switchyard/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type CallLimits, createCallLimiter } from "./limiter.ts";
import { createOpenAIProvider } from "./openai.ts";

let upstream: Upstream | undefined;
afterEach(async () => {
  await upstream?.stop();
  upstream = undefined;
});

const never = new AbortController().signal;

function providerFor(url: string, model: string, limits: CallLimits) {
  return createOpenAIProvider({ name: "up", baseUrl: url, model, apiKey: async () => undefined, timeoutMs: 30_000, limits });
}

/** One streamed call: when its first piece came, or when and how it failed (ms from `start`). */
async function firstPiece(provider: ReturnType<typeof providerFor>, start: number, signal = new AbortController().signal) {
  try {
    for await (const _chunk of provider.stream({ messages: [{ role: "user", content: "hi" }] }, signal)) {
      return { at: performance.now() - start, error: undefined };
    }
    return { at: performance.now() - start, error: undefined };
  } catch (error) {
    return { at: performance.now() - start, error: error instanceof AppError ? error : undefined };
  }
}

describe("createCallLimiter", () => {
  it("grants up to the limit, queues FIFO to the queue size, refuses past it at once, and a release is idempotent", async () => {
    const limiter = createCallLimiter("p", { concurrency: 2, queue: 2, queueWaitMs: 10_000 });
    const first = await limiter.acquire(never);
    await limiter.acquire(never);
    const order: string[] = [];
    const granted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const third = limiter.acquire(never).then(granted("third"));
    const fourth = limiter.acquire(never).then(granted("fourth"));
    await expect(limiter.acquire(never)).rejects.toMatchObject({
      code: "unavailable",
      message: "model provider 'p' is at its limit of 2 concurrent calls and 2 waiting; try again",
    });
    expect({ inFlight: limiter.inFlight(), queued: limiter.queued() }).toEqual({ inFlight: 2, queued: 2 });
    first();
    first();
    const releaseThird = await third;
    expect(order).toEqual(["third"]);
    expect({ inFlight: limiter.inFlight(), queued: limiter.queued() }).toEqual({ inFlight: 2, queued: 1 });
    releaseThird();
    (await fourth)();
    expect(order).toEqual(["third", "fourth"]);
    expect(limiter.inFlight()).toBe(1);
  });

  it("a waiter whose run is cancelled leaves the queue at once with the abort's reason", async () => {
    const limiter = createCallLimiter("p", { concurrency: 1, queue: 1, queueWaitMs: 10_000 });
    await limiter.acquire(never);
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const reason = new AppError("cancelled", "the run was cancelled by its client");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(limiter.queued()).toBe(0);
  });
});

describe("an OpenAI-compatible provider at its limit", () => {
  it("answers calls past its connections with a clear 503 within the queue wait, instead of silence (300 against 256)", async () => {
    upstream = await startUpstream({ slowMs: 4000 });
    const limits = { concurrency: 256, queue: 16, queueWaitMs: 1000 };
    const provider = providerFor(upstream.url, "slow", limits);
    const start = performance.now();
    const results = await Promise.all(Array.from({ length: 300 }, () => firstPiece(provider, start)));
    const answered = results.filter((result) => result.error === undefined);
    const refused = results.filter((result) => result.error !== undefined).sort((a, b) => a.at - b.at);
    const atOnce = refused.filter((result) => result.at < 500);
    const waited = refused.filter((result) => result.at >= 500);
    console.log(
      `300 streams against 256 connections: ${answered.length} answered (first piece at ${Math.min(...answered.map((r) => r.at)).toFixed(0)} ms), ` +
        `${atOnce.length} refused at once (by ${Math.max(...atOnce.map((r) => r.at)).toFixed(0)} ms), ` +
        `${waited.length} refused after the queue wait (${Math.min(...waited.map((r) => r.at)).toFixed(0)}-${Math.max(...waited.map((r) => r.at)).toFixed(0)} ms)`,
    );
    expect(answered).toHaveLength(256);
    expect(atOnce).toHaveLength(300 - 256 - 16);
    expect(waited).toHaveLength(16);
    for (const result of refused) {
      expect(result.error?.code).toBe("unavailable");
      expect(result.error?.message).toMatch(/^model provider 'up' is at its limit of 256 concurrent calls/);
    }
    // Refused within the bounded wait, before any of the 256 slow calls freed a connection.
    for (const result of waited) expect(result.at).toBeLessThan(2500);
    expect(upstream.requests).toHaveLength(256);
  }, 30_000);

  it("gives a freed slot to the queued call: a consumer that stops early closes its socket and the next call starts", async () => {
    upstream = await startUpstream({ paceMs: 50, pacedChunks: 1000 });
    const provider = providerFor(upstream.url, "paced", { concurrency: 1, queue: 1, queueWaitMs: 10_000 });
    const first = provider.stream({ messages: [{ role: "user", content: "one" }] }, never)[Symbol.asyncIterator]();
    await first.next();
    expect(provider.inFlight()).toBe(1);
    const second = firstPiece(provider, performance.now());
    await expect.poll(() => provider.queued()).toBe(1);
    expect(upstream.requests).toHaveLength(1);
    await first.return?.(undefined);
    const result = await second;
    expect(result.error).toBeUndefined();
    expect(upstream.requests).toHaveLength(2);
    await expect.poll(() => upstream?.requests[0]?.socketClosedAt).toBeDefined();
    expect(provider.queued()).toBe(0);
  });
});
