import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLimits } from "@switchyard/contracts";
import { type LocalServer, startNatsServer } from "@switchyard/local";
import { startUpstream, type Upstream } from "@switchyard/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type ExecutorFixture, startExecutorFixture } from "./test-fixture.ts";

/**
 * An executor cut off from its gateway stops its runs' provider calls within the watchdog
 * time, whether the cut shows as missing credit, a disconnect, or a silent partition; against
 * a real nats-server, the real executor run path and a real HTTP upstream.
 */

const timeout = runLimits.heartbeatTimeoutMs;
const pipeline = {
  name: "ask",
  inputs: { q: { type: "string" } },
  components: { answer: { type: "llm", model: "up", prompt: "inputs.q" } },
  outputs: { text: "answer.text" },
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function setup(upstreamModel: string, upstream: Upstream, via?: (natsPort: number) => Promise<string>) {
  const storeDir = await mkdtemp(join(tmpdir(), "executor-link-"));
  const nats: LocalServer = await startNatsServer({ storeDir });
  cleanups.push(
    () => rm(storeDir, { recursive: true, force: true }),
    () => nats.stop(),
    () => upstream.stop(),
  );
  const executorNatsUrl = via ? await via(nats.port) : nats.url;
  const fixture: ExecutorFixture = await startExecutorFixture({
    natsUrl: nats.url,
    executorNatsUrl,
    definitions: { ask: { document: pipeline } },
    env: { SWITCHYARD_MODELS: JSON.stringify({ up: { base_url: upstream.url, model: upstreamModel } }) },
  });
  cleanups.push(() => fixture.close());
  return { nats, fixture };
}

/** A TCP relay in front of nats-server that the test can freeze: bytes stop both ways, no packet says so (a partition). */
async function startRelay(targetPort: number, relays: { freeze(): void; thaw(): void }[]) {
  let frozen = false;
  const pending: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = (to: Socket) => (bytes: Buffer) => {
      if (frozen) pending.push(() => to.write(bytes));
      else to.write(bytes);
    };
    client.on("data", forward(upstream));
    upstream.on("data", forward(client));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  relays.push({
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const send of pending.splice(0)) send();
    },
  });
  const address = server.address();
  return `nats://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("an executor cut off from its gateway", () => {
  it("streamed and never paused: when credit stops, the run stops and its upstream socket closes within the watchdog time", async () => {
    // Slow tokens: the credit window (64 events) would last 6.4 s more; before, the run read the provider until it was spent.
    const upstream = await startUpstream({ paceMs: 100, pacedChunks: 1000 });
    const { fixture } = await setup("paced", upstream);
    const run = fixture.run({ name: "ask", inputs: { q: "x" }, stream: true });
    await run.accepted;
    await expect.poll(() => run.events.filter((event) => event.type === "delta").length, { timeout: 5000 }).toBeGreaterThan(3);
    await new Promise((resolve) => setTimeout(resolve, 2 * runLimits.heartbeatMs));
    const lastGrantAt = run.stopCredit();
    const call = upstream.requests[0];
    await expect.poll(() => call?.socketClosedAt, { timeout: 10_000, interval: 20 }).toBeDefined();
    const closedAfter = (call?.socketClosedAt ?? 0) - lastGrantAt;
    const deltas = run.events.filter((event) => event.type === "delta").length;
    console.log(`streamed run: last credit → upstream socket closed: ${closedAfter.toFixed(0)} ms (${deltas} deltas sent)`);
    expect(closedAfter).toBeGreaterThanOrEqual(timeout - 100);
    expect(closedAfter).toBeLessThan(timeout + 500);
    // It stopped on the silence, well inside the credit window it still had.
    expect(deltas).toBeLessThan(runLimits.creditWindow + 40);
    expect(call?.answeredAt).toBeUndefined();
    const end = await run.end;
    expect(end).toMatchObject({
      type: "error",
      error: { code: "unavailable", message: "the gateway streaming this run stopped answering" },
    });
    await expect.poll(() => fixture.executor.activeRuns()).toBe(0);
  });

  it("not streamed (no credit flows): when nats-server dies, the upstream socket closes within the watchdog time", async () => {
    const upstream = await startUpstream({ slowMs: 30_000 });
    const { nats, fixture } = await setup("slow", upstream);
    const run = fixture.run({ name: "ask", inputs: { q: "x" } });
    await run.accepted;
    await expect.poll(() => upstream.requests.length).toBe(1);
    const call = upstream.requests[0];
    const killedAt = performance.now();
    await nats.stop();
    await expect.poll(() => call?.socketClosedAt, { timeout: 10_000, interval: 20 }).toBeDefined();
    const closedAfter = (call?.socketClosedAt ?? 0) - killedAt;
    console.log(`non-streamed run: nats-server stopped → upstream socket closed: ${closedAfter.toFixed(0)} ms`);
    // Not before the watchdog time (a blip shorter than that is survived), not long after it.
    expect(closedAfter).toBeGreaterThanOrEqual(timeout - 100);
    expect(closedAfter).toBeLessThan(timeout + 1000);
    await expect.poll(() => fixture.executor.activeRuns()).toBe(0);
  });

  it("a silent partition (no packet, no reset) is noticed by pings: the upstream socket closes within the watchdog time", async () => {
    const upstream = await startUpstream({ slowMs: 30_000 });
    const relays: { freeze(): void; thaw(): void }[] = [];
    const { fixture } = await setup("slow", upstream, (port) => startRelay(port, relays));
    const run = fixture.run({ name: "ask", inputs: { q: "x" } });
    await run.accepted;
    await expect.poll(() => upstream.requests.length).toBe(1);
    const call = upstream.requests[0];
    const frozenAt = performance.now();
    for (const relay of relays) relay.freeze();
    await expect.poll(() => call?.socketClosedAt, { timeout: 10_000, interval: 20 }).toBeDefined();
    const closedAfter = (call?.socketClosedAt ?? 0) - frozenAt;
    console.log(`non-streamed run: connection silently cut → upstream socket closed: ${closedAfter.toFixed(0)} ms`);
    // Counted from the last pong, which came up to one probe interval before the cut.
    expect(closedAfter).toBeGreaterThanOrEqual(timeout - runLimits.heartbeatMs);
    expect(closedAfter).toBeLessThan(timeout + 1000);
    for (const relay of relays) relay.thaw();
    expect(await run.end).toMatchObject({ type: "error", error: { code: "unavailable" } });
  });

  it("a stall shorter than the watchdog time is survived: the run finishes", async () => {
    const upstream = await startUpstream({ slowMs: 2500 });
    const relays: { freeze(): void; thaw(): void }[] = [];
    const { fixture } = await setup("slow", upstream, (port) => startRelay(port, relays));
    const run = fixture.run({ name: "ask", inputs: { q: "x" } });
    await run.accepted;
    await expect.poll(() => upstream.requests.length).toBe(1);
    for (const relay of relays) relay.freeze();
    await new Promise((resolve) => setTimeout(resolve, timeout / 2));
    for (const relay of relays) relay.thaw();
    expect(await run.end).toMatchObject({ type: "done", outputs: { text: "echo: x" } });
  });
});
