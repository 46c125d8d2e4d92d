import { type AdmitReply, endpoints, type KeyLimits } from "@switchyard/contracts";
import { describe, expect, it } from "vitest";
import { randomBase62 } from "./ids.ts";
import { layout } from "./layout.ts";
import { access, useAccessFile } from "./test-harness.ts";

useAccessFile();

/** A key id of its own per test, so limits never carry over. */
const freshKey = () => `key_${randomBase62(16)}`;

const admit = (keyId: string, limits: KeyLimits, extra: { estimatedTokens?: number; runId?: string; holdMs?: number } = {}) =>
  access.call(endpoints.accessAdmit, { keyId, limits, ...extra });

describe("requests per minute", () => {
  it("admits exactly 10 of 25 concurrent requests from two connections for a limit of 10", async () => {
    const keyId = freshKey();
    const limits = { requestsPerMinute: 10 };
    const replies = await Promise.all(
      Array.from({ length: 25 }, (_, index) =>
        access.call(endpoints.accessAdmit, { keyId, limits }, index % 2 === 0 ? access.bus : access.otherBus),
      ),
    );
    const allowed = replies.filter((reply) => reply.allowed);
    expect(allowed).toHaveLength(10);
    // Each admitted request saw the window as the one before left it.
    expect(allowed.map((reply) => reply.requests?.remaining).sort((a = 0, b = 0) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const reply of replies.filter((each) => !each.allowed)) {
      expect(reply).toMatchObject({ allowed: false, refusedBy: "requests", requests: { limit: 10, remaining: 0 } });
      expect(reply.retryAfterMs).toBeGreaterThan(0);
      expect(reply.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await access.redis.zcard(layout.requests(keyId))).toBe(10);
    const first = allowed.find((reply) => reply.requests?.remaining === 9);
    expect(first?.requests?.resetMs).toBe(60_000);
  });

  it("answers allowed with no state for a key without limits, and writes nothing", async () => {
    const keyId = freshKey();
    expect(await admit(keyId, {})).toEqual({ allowed: true });
    expect(await access.redis.exists(layout.requests(keyId), layout.tokens(keyId), layout.runs(keyId))).toBe(0);
  });
});

describe("tokens per minute", () => {
  it("charges the estimate at admit and the difference at settle; the next admit sees the larger charge", async () => {
    const keyId = freshKey();
    const limits = { tokensPerMinute: 1000 };
    const first = await admit(keyId, limits, { estimatedTokens: 100, runId: "run-1" });
    expect(first).toMatchObject({ allowed: true, tokens: { limit: 1000, remaining: 900 } });
    expect(first.tokens?.resetMs).toBe(6000);
    await access.call(endpoints.accessSettle, { keyId, limits, runId: "run-1", estimatedTokens: 100, usedTokens: 700 });
    const next = await admit(keyId, limits, { estimatedTokens: 0 });
    // 1000 − 700, plus what refilled meanwhile (1000 a minute: under 100 unless this test stalls for seconds).
    expect(next.tokens?.remaining).toBeGreaterThanOrEqual(300);
    expect(next.tokens?.remaining).toBeLessThan(400);
    // A repeated settle of the same run changes nothing.
    await access.call(endpoints.accessSettle, { keyId, limits, runId: "run-1", estimatedTokens: 100, usedTokens: 700 });
    const after = await admit(keyId, limits, { estimatedTokens: 0 });
    expect(after.tokens?.remaining).toBeGreaterThanOrEqual(next.tokens?.remaining ?? 0);
    expect(after.tokens?.remaining).toBeLessThan(400);
  });

  it("refuses an estimate the bucket cannot cover, takes nothing, and says when it will", async () => {
    const keyId = freshKey();
    const limits = { tokensPerMinute: 600, requestsPerMinute: 100 };
    expect((await admit(keyId, limits, { estimatedTokens: 500 })).allowed).toBe(true);
    const refused = await admit(keyId, limits, { estimatedTokens: 200 });
    expect(refused).toMatchObject({ allowed: false, refusedBy: "tokens", requests: { remaining: 99 } });
    // 100 short at 10 tokens a second: at most ten seconds, less by what refilled since.
    expect(refused.retryAfterMs).toBeGreaterThan(5000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
    expect(await access.redis.zcard(layout.requests(keyId))).toBe(1);
  });

  it("refuses an estimate larger than the whole bucket with no retry time (waiting never helps)", async () => {
    const reply = await admit(freshKey(), { tokensPerMinute: 100 }, { estimatedTokens: 101 });
    expect(reply).toMatchObject({ allowed: false, refusedBy: "tokens", tokens: { limit: 100, remaining: 100, resetMs: 0 } });
    expect(reply.retryAfterMs).toBeUndefined();
  });

  it("lets an overrun take the bucket below zero, so later requests wait", async () => {
    const keyId = freshKey();
    const limits = { tokensPerMinute: 600 };
    await admit(keyId, limits, { estimatedTokens: 100 });
    await access.call(endpoints.accessSettle, { keyId, limits, estimatedTokens: 100, usedTokens: 1200 });
    const refused = await admit(keyId, limits, { estimatedTokens: 0 });
    expect(refused).toMatchObject({ allowed: false, refusedBy: "tokens", tokens: { remaining: 0 } });
    // About 600 below zero at 10 a second: a minute to zero, two to full (less what refilled since).
    expect(refused.retryAfterMs).toBeGreaterThan(40_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refused.tokens?.resetMs).toBeGreaterThan(100_000);
  });
});

describe("concurrent runs", () => {
  it("frees a slot at settle, once", async () => {
    const keyId = freshKey();
    const limits = { concurrentRuns: 2 };
    expect((await admit(keyId, limits, { runId: "a" })).allowed).toBe(true);
    expect((await admit(keyId, limits, { runId: "b" })).allowed).toBe(true);
    const refused = await admit(keyId, limits, { runId: "c" });
    expect(refused).toEqual({ allowed: false, refusedBy: "concurrency", retryAfterMs: 1000 });
    // The same run admitted again (a retry after a lost reply) keeps its slot rather than taking another.
    expect((await admit(keyId, limits, { runId: "a" })).allowed).toBe(true);
    await access.call(endpoints.accessSettle, { keyId, limits, runId: "a" });
    await access.call(endpoints.accessSettle, { keyId, limits, runId: "a" });
    expect((await admit(keyId, limits, { runId: "c" })).allowed).toBe(true);
    expect((await admit(keyId, limits, { runId: "d" })).allowed).toBe(false);
    expect(await access.redis.zrange(layout.runs(keyId), 0, -1)).toEqual(expect.arrayContaining(["b", "c"]));
  });

  it("drops a slot whose settle never comes once its hold time has passed", async () => {
    const keyId = freshKey();
    const limits = { concurrentRuns: 1 };
    expect((await admit(keyId, limits, { runId: "lost", holdMs: 300 })).allowed).toBe(true);
    expect((await admit(keyId, limits, { runId: "next" })).allowed).toBe(false);
    await expect.poll(async () => (await admit(keyId, limits, { runId: "next" })).allowed, { timeout: 5000, interval: 50 }).toBe(true);
    expect(await access.redis.zrange(layout.runs(keyId), 0, -1)).toEqual(["next"]);
  });

  it("takes from no limit when one refuses", async () => {
    const keyId = freshKey();
    const limits = { concurrentRuns: 1, requestsPerMinute: 10, tokensPerMinute: 1000 };
    expect((await admit(keyId, limits, { runId: "one", estimatedTokens: 10 })).allowed).toBe(true);
    const refused: AdmitReply = await admit(keyId, limits, { runId: "two", estimatedTokens: 10 });
    expect(refused).toMatchObject({ allowed: false, refusedBy: "concurrency", requests: { remaining: 9 } });
    expect(refused.tokens?.remaining).toBeGreaterThanOrEqual(990);
    expect(await access.redis.zcard(layout.requests(keyId))).toBe(1);
  });
});

describe("cost", () => {
  it("measures one admit round trip (NATS + Redis), median of 1,000 sequential calls", async () => {
    const keyId = freshKey();
    const limits = { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, concurrentRuns: 100_000 };
    const times: number[] = [];
    for (let index = 0; index < 1000; index++) {
      const started = process.hrtime.bigint();
      await admit(keyId, limits, { estimatedTokens: 10, runId: `run-${index}` });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (quantile: number) => times[Math.floor(quantile * (times.length - 1))]?.toFixed(3);
    console.log(`admit round trip over NATS + Redis, 1,000 sequential calls: median ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms`);
    expect(times).toHaveLength(1000);
  });
});
