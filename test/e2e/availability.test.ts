import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 30_000 });
  system = await startSystem({
    executors: 0,
    env: {
      GATEWAY_RUN_TIMEOUT_MS: "1500",
      SWITCHYARD_MODELS: JSON.stringify({
        remote: { base_url: upstream.url, model: "test-model" },
        slow: { base_url: upstream.url, model: "slow" },
        limited: { base_url: upstream.url, model: "fail-429" },
        broken: { base_url: upstream.url, model: "fail-500" },
      }),
    },
  });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

describe("availability and deadlines", () => {
  it("answers 503 at once with no executor, and serves again once one starts", async () => {
    const url = system.url();
    expect((await requestJson(`${url}/deploy-yaml`, { body: { name: "hello", source_code: greetYaml() } })).status).toBe(200);
    expectError(await requestJson(`${url}/readyz`), 503, "unavailable");

    const started = performance.now();
    const error = expectError(await requestJson(`${url}/hello/run`, { body: { name: "Ada" } }), 503, "unavailable");
    console.log(`no executor → 503 in ${(performance.now() - started).toFixed(0)} ms`);
    // Caused by NATS answering "no responders", not by waiting: a wait would end in the accept timeout's
    // 504 ("did not answer in time") or the run deadline's 504, never in this message.
    expect(error.message).toBe("no executor is available");

    await system.startExecutor();
    const run = await requestJson(`${url}/hello/run`, { body: { name: "Ada" } });
    expect(run.status).toBe(200);
    expect((await requestJson(`${url}/readyz`)).status).toBe(200);
  });

  it("calls an OpenAI-compatible upstream through the llm component", async () => {
    const url = system.url();
    const source =
      "inputs: { q: {} }\ncomponents:\n  ask: { type: llm, model: remote, prompt: inputs.q, system: be brief }\noutputs:\n  text: ask.text\n  usage: ask.usage\n";
    expect((await requestJson(`${url}/deploy-yaml`, { body: { name: "remote", source_code: source } })).status).toBe(200);
    const run = await requestJson(`${url}/remote/run`, { body: { q: "what is up" } });
    expect(run.body).toEqual({ result: { text: "echo: what is up", usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } } });
    const seen = upstream.requests.at(-1);
    expect(seen).toMatchObject({
      model: "test-model",
      // Nobody streams this run, so the executor asks the provider for the whole answer at once.
      stream: false,
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "what is up" },
      ],
    });
  });

  it("answers 504 when a run passes its deadline, and maps provider failures", async () => {
    const url = system.url();
    const deployFor = (name: string, model: string) =>
      requestJson(`${url}/deploy-yaml`, {
        body: {
          name,
          source_code: `inputs: { q: {} }\ncomponents:\n  ask: { type: llm, model: ${model}, prompt: inputs.q }\noutputs:\n  text: ask.text\n`,
        },
      });
    for (const [name, model] of [
      ["slowpoke", "slow"],
      ["limited", "limited"],
      ["broken", "broken"],
    ]) {
      expect((await deployFor(name as string, model as string)).status).toBe(200);
    }
    const before = upstream.requests.length;
    expectError(await requestJson(`${url}/slowpoke/run`, { body: { q: "hi" } }), 504, "timeout");
    // The executor gave up on the provider call too: that call's socket was closed.
    const slowCall = upstream.requests.slice(before).find((request) => request.model === "slow");
    expect(slowCall).toBeDefined();
    await expect.poll(() => slowCall?.socketClosedAt, { timeout: 5000 }).toBeDefined();

    const limited = await requestJson(`${url}/limited/run`, { body: { q: "hi" } });
    expectError(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("7");
    const broken = expectError(await requestJson(`${url}/broken/run`, { body: { q: "hi" } }), 502, "upstream_error");
    expect(broken.message).toMatch(/500/);
  });
});
