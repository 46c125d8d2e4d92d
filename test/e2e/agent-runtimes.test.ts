import { apiKeyHeaders, requestJson, sseData, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamModels } from "./chat-helpers.ts";

// agent-runtimes' documented calls under /api/v1, over the same core.
let system: TestSystem;
let upstream: Upstream;
let url: string;

beforeAll(async () => {
  upstream = await startUpstream();
  system = await startSystem({ withSessions: true, env: { SWITCHYARD_MODELS: upstreamModels(upstream.url) } });
  url = system.url();
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

describe("agent-runtimes under /api/v1", () => {
  it("creates, lists, gets, updates and deletes agents in its shapes, with its error body", async () => {
    const created = await requestJson(`${url}/api/v1/agents`, {
      body: { id: "rt-agent", name: "Runtime Agent", model: "remote", system_prompt: "Be kind." },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: "rt-agent", name: "Runtime Agent", model: "remote", transport: "streaming" });
    const listed = (await requestJson(`${url}/api/v1/agents`)).body as { agents: Record<string, unknown>[] };
    expect(listed.agents).toContainEqual({ id: "rt-agent", name: "Runtime Agent", transport: "streaming", model: "remote" });
    expect((await requestJson(`${url}/api/v1/agents/rt-agent`)).body).toMatchObject({ id: "rt-agent", mcp_toolsets: [] });
    const updated = await requestJson(`${url}/api/v1/agents/rt-agent`, {
      method: "PUT",
      body: { name: "Runtime Agent", model: "remote", system_prompt: "Be brief." },
    });
    expect(updated.body).toMatchObject({ id: "rt-agent", system_prompt: "Be brief." });
    const deleted = await requestJson(`${url}/api/v1/agents/rt-agent`, { method: "DELETE" });
    expect(deleted.body).toEqual({ status: "deleted", id: "rt-agent" });
    const gone = await requestJson(`${url}/api/v1/agents/rt-agent`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ detail: "Agent not found", status_code: 404 });
  });

  it("answers prompts as SSE data lines and as one JSON reply, and a conversation id carries the context", async () => {
    await requestJson(`${url}/api/v1/agents`, { body: { id: "rt-talker", name: "Talker", model: "remote", system_prompt: "Listen." } });
    const sync = await requestJson(`${url}/api/v1/agents/rt-talker/prompt/sync`, {
      body: { message: "runtime hello", conversation_id: "conv-1" },
    });
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    expect(sync.body).toMatchObject({
      response: "echo: runtime hello",
      tool_calls: [],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });
    await requestJson(`${url}/api/v1/agents/rt-talker/prompt/sync`, { body: { message: "runtime again", conversation_id: "conv-1" } });
    const second = upstream.requests.findLast((request) => JSON.stringify(request.messages).includes("runtime again"));
    expect(JSON.stringify(second?.messages)).toContain("runtime hello");

    const streamed = await fetch(`${url}/api/v1/agents/rt-talker/prompt`, {
      method: "POST",
      headers: { ...apiKeyHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ message: "runtime stream" }),
    });
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const raw = await streamed.text();
    expect(raw).not.toMatch(/^event:/m);
    const events: { type: string; content?: string }[] = [];
    for await (const data of sseData(new Response(raw).body)) events.push(JSON.parse(data));
    expect(
      events
        .filter((event) => event.type === "text")
        .map((event) => event.content)
        .join(""),
    ).toBe("echo: runtime stream");
    expect(events.at(-1)?.type).toBe("done");
  });

  it("serves its health and readiness without a key", async () => {
    const health = await requestJson(`${url}/api/v1/health`, { auth: false });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "healthy", version: expect.any(String) });
    expect((await requestJson(`${url}/api/v1/ready`, { auth: false })).status).toBe(200);
  });
});
