import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type JsonResponse, requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let upstream: Upstream;

beforeAll(async () => {
  // The slow model answers after a second and a half: long enough to hold a concurrency slot while another call is tried.
  upstream = await startUpstream({ slowMs: 1500 });
  system = await startSystem({
    gateways: 2,
    // A TTL far longer than any test: only the change events can make a gateway refuse a key it has cached.
    env: { SWITCHYARD_MODELS: upstreamModels(upstream.url), GATEWAY_KEY_CACHE_TTL_MS: "600000" },
  });
  await deployAll(system.url(), {
    greet: greetYaml().replace("name: hello", "name: greet"),
    summarize: chatPipeline("summarize", "remote"),
    talk: chatPipeline("talk", "remote"),
    sleeper: chatPipeline("sleeper", "slow"),
  });
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
}

async function createKey(body: Record<string, unknown>): Promise<CreatedKey> {
  const created = await requestJson(`${system.url()}/v1/keys`, { body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as CreatedKey;
}

const withKey = (secret: string) => ({ auth: false, headers: { "x-api-key": secret } });

describe("API keys", () => {
  it("shows the secret once, then only its prefix", async () => {
    const key = await createKey({ name: "shown-once", role: "read" });
    expect(key.secret).toMatch(/^sy-[0-9A-Za-z]{32}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    const listed = await requestJson(`${system.url()}/v1/keys/${key.id}`);
    expect(listed.body).toMatchObject({ id: key.id, prefix: key.prefix, role: "read" });
    expect(JSON.stringify(listed.body)).not.toContain(key.secret);
    expect(JSON.stringify((await requestJson(`${system.url()}/v1/keys`)).body)).not.toContain(key.secret);
  });

  it("takes a key as X-API-Key or as a Bearer token, and refuses a missing or unknown one with 401", async () => {
    const key = await createKey({ name: "two-headers", role: "read" });
    expect((await requestJson(`${system.url()}/status`, withKey(key.secret))).status).toBe(200);
    expect((await requestJson(`${system.url()}/status`, { auth: false, headers: { authorization: `Bearer ${key.secret}` } })).status).toBe(
      200,
    );
    const missing = await requestJson(`${system.url()}/status`, { auth: false });
    expectError(missing, 401, "unauthorized");
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    // One character changed (a secret that ends in x gets a y, so the copy is never the key itself).
    const wrong = `${key.secret.slice(0, -1)}${key.secret.endsWith("x") ? "y" : "x"}`;
    expectError(await requestJson(`${system.url()}/status`, withKey(wrong)), 401, "unauthorized");
  });

  it("refuses a revoked key on every gateway, by change event (the cache TTL here is 10 minutes)", async () => {
    const key = await createKey({ name: "to-revoke", role: "read" });
    // Both gateways have it cached.
    for (const index of [0, 1]) expect((await requestJson(`${system.url(index)}/status`, withKey(key.secret))).status).toBe(200);
    const revokedAt = performance.now();
    expect((await requestJson(`${system.url()}/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    const refusedAfter: number[] = [];
    for (const index of [0, 1]) {
      await expect
        .poll(async () => (await requestJson(`${system.url(index)}/status`, withKey(key.secret))).status, { interval: 20 })
        .toBe(401);
      refusedAfter.push(performance.now() - revokedAt);
    }
    console.log(
      `revoked key refused by gateway 0 after ${refusedAfter[0]?.toFixed(0)} ms, gateway 1 after ${refusedAfter[1]?.toFixed(0)} ms`,
    );
  });

  it("refuses a disabled key, and takes it back when enabled", async () => {
    const key = await createKey({ name: "to-disable", role: "read" });
    expect((await requestJson(`${system.url(1)}/status`, withKey(key.secret))).status).toBe(200);
    expect((await requestJson(`${system.url()}/v1/keys/${key.id}`, { method: "PATCH", body: { disabled: true } })).status).toBe(200);
    await expect.poll(async () => (await requestJson(`${system.url(1)}/status`, withKey(key.secret))).status, { interval: 20 }).toBe(401);
    expect((await requestJson(`${system.url()}/v1/keys/${key.id}`, { method: "PATCH", body: { disabled: false } })).status).toBe(200);
    expect((await requestJson(`${system.url(1)}/status`, withKey(key.secret))).status).toBe(200);
  });

  it("lets a rotated key's old secret work during the grace period and not after", async () => {
    const key = await createKey({ name: "to-rotate", role: "read" });
    expect((await requestJson(`${system.url(1)}/status`, withKey(key.secret))).status).toBe(200);
    const rotated = await requestJson(`${system.url()}/v1/keys/${key.id}/rotate`, { body: { graceSeconds: 2 } });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body as CreatedKey;
    expect(fresh.secret).not.toBe(key.secret);
    for (const index of [0, 1]) {
      expect((await requestJson(`${system.url(index)}/status`, withKey(fresh.secret))).status).toBe(200);
      expect((await requestJson(`${system.url(index)}/status`, withKey(key.secret))).status).toBe(200);
    }
    for (const index of [0, 1]) {
      await expect
        .poll(async () => (await requestJson(`${system.url(index)}/status`, withKey(key.secret))).status, { timeout: 10_000 })
        .toBe(401);
    }
    expect((await requestJson(`${system.url(1)}/status`, withKey(fresh.secret))).status).toBe(200);
  });
});

describe("roles and scopes", () => {
  it("gives a read key 403 on a deploy, naming the missing permission", async () => {
    const key = await createKey({ name: "reader", role: "read" });
    const refused = expectError(
      await requestJson(`${system.url()}/deploy-yaml`, { ...withKey(key.secret), body: { name: "nope", source_code: greetYaml() } }),
      403,
      "forbidden",
    );
    expect(refused.message).toContain("definitions.deploy");
    expect((await requestJson(`${system.url()}/status/nope`)).status).toBe(404);
  });

  it("keeps an invoke key scoped to greet out of summarize: 403, and absent from /v1/models and MCP tools/list", async () => {
    const key = await createKey({ name: "greeter", role: "invoke", scopes: { definitions: ["greet"] } });
    expect((await requestJson(`${system.url()}/greet/run`, { ...withKey(key.secret), body: { name: "Ada" } })).status).toBe(200);
    expectError(await requestJson(`${system.url()}/summarize/run`, { ...withKey(key.secret), body: { text: "x" } }), 403, "forbidden");
    const chat = await requestJson(`${system.url()}/v1/chat/completions`, {
      ...withKey(key.secret),
      body: { model: "summarize", messages: [{ role: "user", content: "x" }] },
    });
    expectError(chat, 403, "forbidden");
    const models = (await requestJson(`${system.url()}/v1/models`, withKey(key.secret))).body as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual([]);
    const all = (await requestJson(`${system.url()}/v1/models`)).body as { data: { id: string }[] };
    expect(all.data.map((model) => model.id)).toEqual(expect.arrayContaining(["summarize", "talk"]));

    const client = new Client({ name: "scoped", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${system.url(1)}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key.secret}` } },
      }),
    );
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["greet"]);
    const denied = (await client.callTool({ name: "summarize", arguments: { text: "x" } })) as { isError?: boolean };
    expect(denied.isError).toBe(true);
    await client.close();
  });
});

describe("clients", () => {
  it("works with the official openai client given the key, and fails cleanly without one", async () => {
    const key = await createKey({ name: "openai-client", role: "invoke" });
    const client = new OpenAI({ baseURL: `${system.url()}/v1`, apiKey: key.secret, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "talk", messages: [{ role: "user", content: "hi there" }] });
    expect(answer.choices[0]?.message.content).toBe("echo: hi there");
    const anonymous = new OpenAI({ baseURL: `${system.url()}/v1`, apiKey: "not-a-key", maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("works with the MCP SDK given a Bearer header, and fails cleanly without one", async () => {
    const key = await createKey({ name: "mcp-client", role: "invoke" });
    const client = new Client({ name: "keyed", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${system.url()}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key.secret}` } },
      }),
    );
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["greet", "summarize"]));
    await client.close();
    const anonymous = new Client({ name: "anonymous", version: "1.0.0" });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(`${system.url()}/mcp`)))).rejects.toMatchObject({ code: 401 });
  });
});

describe("rate limits", () => {
  const status = (response: JsonResponse) => response.status;

  it("lets exactly 10 requests a minute through across two gateways; the rest get 429 with Retry-After and OpenAI's headers", async () => {
    const key = await createKey({ name: "ten-a-minute", role: "read", limits: { requestsPerMinute: 10 } });
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, index) => requestJson(`${system.url(index % 2)}/status`, withKey(key.secret))),
    );
    expect(responses.filter((response) => status(response) === 200)).toHaveLength(10);
    const refused = responses.filter((response) => status(response) === 429);
    expect(refused).toHaveLength(6);
    for (const response of refused) {
      expectError(response, 429, "rate_limited");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("10");
      expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(response.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?(ms|s)$|^\d+m\d+s$/);
    }
    const allowed = responses.filter((response) => status(response) === 200);
    const remaining = allowed.map((response) => Number(response.headers.get("x-ratelimit-remaining-requests"))).sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("holds MCP tool calls to a key's concurrency and token limits, per call", async () => {
    const connect = async (secret: string) => {
      const client = new Client({ name: "limited", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${system.url()}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${secret}` } },
        }),
      );
      return client;
    };
    type ToolResult = { isError?: boolean; content: { text: string }[] };
    const one = await createKey({ name: "one-at-a-time", role: "invoke", limits: { concurrentRuns: 1 } });
    const client = await connect(one.secret);
    // The first call holds the key's only slot while the slow model thinks.
    const first = client.callTool({ name: "sleeper", arguments: { text: "first" } }) as Promise<ToolResult>;
    await expect
      .poll(() => upstream.requests.filter((request) => request.model === "slow" && request.answeredAt === undefined).length)
      .toBeGreaterThan(0);
    const second = (await client.callTool({ name: "sleeper", arguments: { text: "second" } })) as ToolResult;
    expect(second.isError).toBe(true);
    expect(second.content[0]?.text).toMatch(/limit of concurrent runs is reached/);
    expect((await first).isError).toBeFalsy();
    // Its end freed the slot.
    expect(((await client.callTool({ name: "greet", arguments: { name: "Ada" } })) as ToolResult).isError).toBeFalsy();
    await client.close();

    const few = await createKey({ name: "few-tokens", role: "invoke", limits: { tokensPerMinute: 50 } });
    const small = await connect(few.secret);
    const big = (await small.callTool({ name: "greet", arguments: { name: "a".repeat(1000) } })) as ToolResult;
    expect(big.isError).toBe(true);
    expect(big.content[0]?.text).toMatch(/limit of tokens is reached/);
    await small.close();
  });

  it("charges a token limit with the usage the provider reported, not the estimate", async () => {
    const limit = 6000;
    const key = await createKey({ name: "tokens", role: "invoke", limits: { tokensPerMinute: limit } });
    // One-letter words: the estimate (a quarter of the body's characters) is half the answer's real token count.
    const body = { model: "talk", messages: [{ role: "user", content: "a ".repeat(400).trim() }] };
    const first = await requestJson(`${system.url()}/v1/chat/completions`, { ...withKey(key.secret), body });
    expect(first.status).toBe(200);
    const used = (first.body as { usage: { total_tokens: number } }).usage.total_tokens;
    const afterFirst = Number(first.headers.get("x-ratelimit-remaining-tokens"));
    const estimate = limit - afterFirst;
    expect(used).toBeGreaterThan(estimate);
    const startedSecond = performance.now();
    // The charge for the first request settles when its response closes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await requestJson(`${system.url(1)}/v1/chat/completions`, { ...withKey(key.secret), body });
    const refill = Math.ceil(((performance.now() - startedSecond + 250) / 60_000) * limit);
    const afterSecond = Number(second.headers.get("x-ratelimit-remaining-tokens"));
    // The first request cost what it used; the second holds its own estimate until it settles.
    const charged = limit - afterSecond - estimate;
    console.log(`token limit: estimate ${estimate}, reported usage ${used}, charged ${charged} (refill bound ${refill})`);
    expect(charged).toBeLessThanOrEqual(used);
    expect(charged).toBeGreaterThanOrEqual(used - refill);
  });
});
