import { request as httpRequest } from "node:http";
import { connectNats } from "@switchyard/nats";
import {
  apiKeyHeaders,
  requestJson,
  residentBytes,
  sseData,
  startSystem,
  startUpstream,
  type TestSystem,
  type Upstream,
} from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, postChat, upstreamModels } from "./chat-helpers.ts";

let system: TestSystem;
let upstream: Upstream;
let url: string;

beforeAll(async () => {
  upstream = await startUpstream({ paceMs: 20, pacedChunks: 1000, manyChunks: 20_000, manyChunkChars: 2000 });
  system = await startSystem({ executors: 2, env: { SWITCHYARD_MODELS: upstreamModels(upstream.url) } });
  url = system.url();
  await deployAll(url, {
    "paced-chat": chatPipeline("paced-chat", "paced"),
    "many-chat": chatPipeline("many-chat", "many"),
    "echo-chat": chatPipeline("echo-chat", "echo"),
  });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

describe("an executor dying mid-stream", () => {
  it("gives the client the watchdog's error event, and the next request succeeds on another executor", async () => {
    const response = await postChat(url, { model: "paced-chat", messages: [{ role: "user", content: "x" }], stream: true });
    expect(response.status).toBe(200);
    const instance = response.headers.get("x-switchyard-executor");
    const victim = system.executors.find((executor) => executor.ready.instance === instance);
    expect(victim, `executor ${instance}`).toBeDefined();

    const events: string[] = [];
    let killedAt = 0;
    let errorAt = 0;
    for await (const data of sseData(response.body)) {
      events.push(data);
      if (events.length === 5) {
        killedAt = performance.now();
        await victim?.kill();
      }
      if (data.startsWith('{"error"')) errorAt = performance.now();
    }
    const last = JSON.parse(events.at(-1) ?? "{}") as { error?: { code: string; message: string } };
    // The heartbeat watchdog's error, not the run deadline's (120 s, far beyond this 20 s stream), and after the kill.
    expect(last.error).toMatchObject({ code: "unavailable", message: "the executor running this request stopped answering" });
    expect(events).not.toContain("[DONE]");
    expect(errorAt).toBeGreaterThan(killedAt);
    console.log(`executor SIGKILL → client error event: ${(errorAt - killedAt).toFixed(0)} ms`);

    expect((await requestJson(`${url}/healthz`)).status).toBe(200);
    const next = await requestJson(`${url}/v1/chat/completions`, {
      body: { model: "echo-chat", messages: [{ role: "user", content: "still here" }] },
    });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ choices: [{ message: { content: "still here" } }] });
    expect(next.headers.get("x-switchyard-executor")).not.toBe(instance);
  });
});

describe("a gateway dying mid-stream", () => {
  it("makes the executor stop the run and close its upstream call", async () => {
    const doomed = await system.startGateway();
    const doomedUrl = `http://127.0.0.1:${String(doomed.ready.port)}`;
    const before = upstream.requests.length;
    const response = await postChat(doomedUrl, { model: "paced-chat", messages: [{ role: "user", content: "x" }], stream: true });
    expect(response.status).toBe(200);
    const reader = sseData(response.body);
    for (let seen = 0; seen < 3; seen += 1) await reader.next();
    const call = upstream.requests.slice(before).find((request) => request.model === "paced");
    expect(call).toBeDefined();
    const killedAt = performance.now();
    await doomed.kill();
    await expect.poll(() => call?.socketClosedAt, { timeout: 10_000 }).toBeDefined();
    console.log(`gateway SIGKILL → upstream socket closed: ${((call?.socketClosedAt ?? 0) - killedAt).toFixed(0)} ms`);
    // The dead gateway cut the client's connection too.
    await reader.return(undefined).catch(() => undefined);
  });
});

describe("a slow client", () => {
  it("keeps the gateway's memory bounded and pauses the executor instead of buffering the stream", async () => {
    // Count what the executor publishes for the run, straight from NATS.
    const observer = await connectNats({ url: system.infra.natsUrl, name: "test-observer" });
    let published = 0;
    // Every gateway's run link: batches of events, each delta one item.
    observer.subscribe("sy.link.gateway.*", {
      callback: (_error, message) => {
        published += message.string().split('"type":"delta"').length - 1;
      },
    });
    await observer.flush();

    const gatewayPid = system.gateways[0]?.pid ?? 0;
    const rssBefore = await residentBytes(gatewayPid);
    let received = 0;
    const body = JSON.stringify({ model: "many-chat", messages: [{ role: "user", content: "x" }], stream: true });
    const target = new URL(`${url}/v1/chat/completions`);
    const response = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { "content-type": "application/json", ...apiKeyHeaders() },
        },
        resolve,
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    // Read 1 KB a second for 12 seconds.
    for (let second = 0; second < 12; second += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const piece = response.read(1024) as Buffer | null;
      received += piece?.length ?? 0;
    }
    const rssAfter = await residentBytes(gatewayPid);
    const growth = rssAfter - rssBefore;
    console.log(
      `slow client: read ${received} bytes; executor published ${published} of 20000 deltas; upstream wrote ${upstream.written}; gateway RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)} MiB`,
    );
    response.destroy();
    await observer.close();
    // The stream is ~42 MB (2 KB deltas, so it is larger than what loopback socket buffers
    // absorb, ~4 MB here). The gateway holds at most a credit window of it: growth < 20 MiB.
    expect(growth).toBeLessThan(20 * 2 ** 20);
    expect(published).toBeGreaterThan(0);
    expect(published).toBeLessThan(20_000 / 4);
  });
});
