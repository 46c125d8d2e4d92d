import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiKeyHeaders, requestJson, sseData, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamModels } from "./chat-helpers.ts";

const everything = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");

// agent-runtimes' documented calls under /api/v1, over the same core.
let system: TestSystem;
let upstream: Upstream;
let url: string;

beforeAll(async () => {
  upstream = await startUpstream({ paceMs: 50 });
  const config = join(tmpdir(), `switchyard-runtimes-mcp-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({ mcpServers: {} }));
  system = await startSystem({
    withSessions: true,
    withMcp: true,
    env: { SWITCHYARD_MODELS: upstreamModels(upstream.url), MCP_CONFIG_PATH: config },
  });
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

    // The conversation, as agent-runtimes lists, reads and deletes it.
    const conversationId = (sync.body as { conversation_id: string }).conversation_id;
    const listed = (await requestJson(`${url}/api/v1/conversations?agent_id=rt-talker`)).body as {
      conversations: { conversation_id: string; agent_id: string; turns: number }[];
    };
    expect(listed.conversations).toContainEqual(
      expect.objectContaining({ conversation_id: conversationId, agent_id: "rt-talker", turns: 2 }),
    );
    const everyAgent = (await requestJson(`${url}/api/v1/conversations`)).body as { conversations: { conversation_id: string }[] };
    expect(everyAgent.conversations.map((conversation) => conversation.conversation_id)).toContain(conversationId);
    const read = (await requestJson(`${url}/api/v1/conversations/${conversationId}`)).body as { messages: { content: string }[] };
    expect(read.messages.map((message) => message.content)).toEqual([
      "runtime hello",
      "echo: runtime hello",
      "runtime again",
      "echo: runtime again",
    ]);
    expect((await requestJson(`${url}/api/v1/conversations/${conversationId}`, { method: "DELETE" })).body).toEqual({
      status: "deleted",
      conversation_id: conversationId,
    });
    const gone = await requestJson(`${url}/api/v1/conversations/${conversationId}`);
    expect(gone.body).toEqual({ detail: "Conversation not found", status_code: 404 });

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

  it("runs AG-UI with its snake_case body and event: lines, lists its agents, and terminate stops a running stream", async () => {
    await requestJson(`${url}/api/v1/agents`, { body: { id: "rt-agui", name: "AG-UI agent", model: "remote", system_prompt: "Hi." } });
    const info = (await requestJson(`${url}/api/v1/ag-ui/agents`)).body as {
      protocol: string;
      agents: { agent_id: string; endpoint: string }[];
    };
    expect(info.protocol).toBe("ag-ui");
    expect(info.agents).toContainEqual({ agent_id: "rt-agui", endpoint: "/api/v1/ag-ui/rt-agui/" });
    expect((await requestJson(`${url}/api/v1/ag-ui/`)).body).toMatchObject({ terminate_endpoint: "/api/v1/ag-ui/terminate" });
    const body = {
      thread_id: "test-thread",
      run_id: "test-run",
      messages: [{ id: "1", role: "user", content: "Hello!" }],
      state: {},
      tools: [],
      context: [],
      forwardedProps: {},
    };
    const streamed = await fetch(`${url}/api/v1/ag-ui/rt-agui/`, {
      method: "POST",
      headers: { ...apiKeyHeaders(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(streamed.status).toBe(200);
    const raw = await streamed.text();
    const names = [...raw.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    expect(names[0]).toBe("RUN_STARTED");
    expect(names).toContain("TEXT_MESSAGE_CONTENT");
    expect(names.at(-1)).toBe("RUN_FINISHED");
    expect(raw).toContain('"threadId":"test-thread"');

    // A long answer (paced), terminated while it streams.
    await requestJson(`${url}/api/v1/agents`, { body: { id: "rt-long", name: "Long", model: "paced", system_prompt: "Go on." } });
    const long = await fetch(`${url}/api/v1/ag-ui/rt-long/`, {
      method: "POST",
      headers: { ...apiKeyHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ ...body, run_id: "long-run" }),
    });
    const reader = long.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain("RUN_STARTED");
    const stopped = await requestJson(`${url}/api/v1/ag-ui/terminate`, { body: { thread_id: "test-thread", run_id: "long-run" } });
    expect(stopped.body).toMatchObject({ status: "terminated", thread_id: "test-thread", run_id: "long-run" });
    let rest = "";
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toMatch(/event: RUN_ERROR/);
    expect(rest).not.toContain("t63 ");
    const again = await requestJson(`${url}/api/v1/ag-ui/terminate`, { body: { thread_id: "test-thread", run_id: "long-run" } });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: "Run not found", status_code: 404 });
  });

  it("manages MCP servers in its shapes: bare arrays, enabled on create, tools with enabled", async () => {
    const created = await requestJson(`${url}/api/v1/mcp/servers`, {
      body: { id: "my-server", name: "My Custom Server", command: process.execPath, args: [everything, "stdio"], enabled: true },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: "my-server", name: "My Custom Server", enabled: true, isRunning: true, isAvailable: true });
    const running = (await requestJson(`${url}/api/v1/mcp/servers`)).body as { id: string; tools: { name: string; enabled: boolean }[] }[];
    expect(Array.isArray(running)).toBe(true);
    const mine = running.find((server) => server.id === "my-server");
    expect(mine?.tools.find((tool) => tool.name === "echo")).toMatchObject({ enabled: true });
    expect(Array.isArray((await requestJson(`${url}/api/v1/mcp/servers/available`)).body)).toBe(true);
    const off = await requestJson(`${url}/api/v1/mcp/servers`, {
      body: { id: "off", command: process.execPath, args: [everything], enabled: false },
    });
    expect(off.status).toBe(400);
    expect(off.body).toMatchObject({ detail: expect.stringMatching(/enabled/), status_code: 400 });
    await requestJson(`${url}/api/v1/agents`, { body: { id: "rt-tools", name: "Tools", model: "remote", system_prompt: "Use tools." } });
    const patched = await requestJson(`${url}/api/v1/agents/rt-tools/mcp-servers`, {
      method: "PATCH",
      body: { selected_mcp_servers: ["my-server"] },
    });
    expect(patched.body).toEqual({
      agent_id: "rt-tools",
      selected_mcp_servers: ["my-server"],
      message: "MCP servers updated successfully",
    });
    expect((await requestJson(`${url}/api/v1/agents/rt-tools`)).body).toMatchObject({ mcp_toolsets: ["my-server"] });
    expect((await requestJson(`${url}/api/v1/mcp/servers/my-server`, { method: "DELETE" })).status).toBe(204);
    expect((await requestJson(`${url}/api/v1/mcp/servers/my-server`)).status).toBe(404);
  });

  it("reports its code sandbox in agent-runtimes' fields, and refuses a variant it does not offer in its error shape", async () => {
    const status = await requestJson(`${url}/api/v1/agents/sandbox/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      variant: "quickjs-wasm",
      jupyter_url: null,
      jupyter_token_set: false,
      sandbox_running: expect.any(Boolean),
    });
    const refused = await requestJson(`${url}/api/v1/agents/sandbox/configure`, { body: { variant: "local-eval" } });
    expect(refused).toMatchObject({
      status: 400,
      body: { detail: expect.stringMatching(/'local-eval' is not offered/), status_code: 400 },
    });
  });

  it("serves its health and readiness without a key", async () => {
    const health = await requestJson(`${url}/api/v1/health`, { auth: false });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "healthy", version: expect.any(String) });
    expect((await requestJson(`${url}/api/v1/ready`, { auth: false })).status).toBe(200);
  });
});
