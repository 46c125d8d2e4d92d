import { HttpAgent } from "@ag-ui/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { apiKeyHeaders, requestJson, sseData, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executionEvents, waitForStatus } from "./execution-helpers.ts";
import { everythingMcpConfig, expectError } from "./helpers.ts";

// Short, for the expiry test, but well past restarting every executor on a loaded CI machine (6.4 s seen there).
const ttlSeconds = 15;
let system: TestSystem;
let upstream: Upstream;
let url: string;

const agentYaml = (name: string, model: string, extra = "") =>
  [
    `name: ${name}`,
    "description: Uses the everything server.",
    `model: ${model}`,
    "instructions: Use the tools, then answer briefly. You are {{ persona }}.",
    "tools:",
    "  - mcp: everything",
    "    allow: [echo, get-sum]",
    extra,
  ].join("\n");

beforeAll(async () => {
  upstream = await startUpstream();
  const models = { script: "agent-script", badargs: "agent-bad-args", loop: "agent-loop" };
  system = await startSystem({
    executors: 2,
    withMcp: true,
    withSessions: true,
    env: {
      MCP_CONFIG_PATH: everythingMcpConfig("agents"),
      SESSION_TTL_SECONDS: String(ttlSeconds),
      SESSION_MAX_MESSAGES: "50",
      SESSION_MAX_BYTES: String(96 * 1024),
      SWITCHYARD_MODELS: JSON.stringify(
        Object.fromEntries(Object.entries(models).map(([alias, model]) => [alias, { base_url: upstream.url, model }])),
      ),
    },
  });
  url = system.url();
  const deploy = async (source: string) => {
    const response = await requestJson(`${url}/v1/agents`, { rawBody: source, headers: { "content-type": "application/yaml" } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  };
  await deploy(agentYaml("helper", "script", "memory: session"));
  await deploy(agentYaml("clumsy", "badargs"));
  await deploy(agentYaml("looper", "loop", "max_steps: 2"));
  await deploy("name: chatty\nmodel: script\ninstructions: Answer.\nmemory: session\n");
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

type Invoke = {
  output: string;
  session_id: string | null;
  tool_calls: { name: string; result: string; is_error: boolean }[];
  usage: { total_tokens: number };
  trimmed: number;
};

describe("agents", () => {
  it("validates definitions: unknown server, unknown pipeline, bad model", async () => {
    const refuse = async (source: string, pattern: RegExp) => {
      const error = expectError(
        await requestJson(`${url}/v1/agents`, { rawBody: source, headers: { "content-type": "application/yaml" } }),
        422,
      );
      expect(error.message).toMatch(pattern);
    };
    await refuse("name: a1\nmodel: script\ninstructions: x\ntools:\n  - mcp: nowhere\n", /unknown MCP server 'nowhere'/);
    await refuse("name: a2\nmodel: script\ninstructions: x\ntools:\n  - pipeline: ghost\n", /unknown pipeline 'ghost'/);
    await refuse("name: a3\nmodel: gpt-9\ninstructions: x\n", /unknown model alias 'gpt-9'/);
    await refuse("name: a4\nmodel: script\ninstructions: x\ntools:\n  - mcp: everything\n    allow: [teleport]\n", /no tool 'teleport'/);
    const listed = await requestJson(`${url}/v1/agents`);
    expect((listed.body as { items: { name: string }[] }).items.map((item) => item.name).sort()).toEqual([
      "chatty",
      "clumsy",
      "helper",
      "looper",
    ]);
    expectError(await requestJson(`${url}/v1/agents/nobody/invoke`, { body: { message: "hi" } }), 404);
  });

  it("completes a two-step tool loop through invoke, with the call and its result in the transcript", async () => {
    const response = await requestJson(`${url}/v1/agents/helper/invoke`, { body: { message: "hi there", variables: { persona: "kind" } } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body as Invoke;
    expect(body.output).toBe("The tool said: Echo: hi there");
    expect(body.tool_calls).toMatchObject([{ name: "echo", result: "Echo: hi there", is_error: false }]);
    expect(body.session_id).toMatch(/^[\w-]{8,}$/);
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    const first = upstream.requests.find((request) => request.model === "agent-script");
    expect(first?.messages[0]).toEqual({ role: "system", content: "Use the tools, then answer briefly. You are kind." });
    const offered = (first?.tools ?? []) as { function: { name: string } }[];
    expect(offered.map((tool) => tool.function.name).sort()).toEqual(["echo", "get-sum"]);
  });

  it("streams the loop as SSE events", async () => {
    const response = await fetch(`${url}/v1/agents/helper/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", ...apiKeyHeaders() },
      body: JSON.stringify({ message: "streamed" }),
    });
    const raw = await response.text();
    const names = [...raw.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(names[0]).toBe("tool_call");
    expect(names[1]).toBe("tool_result");
    expect(names).toContain("delta");
    expect(names.at(-1)).toBe("done");
    expect(raw).toMatch(/"content":"Echo: streamed"/);
  });

  it("is an OpenAI model, with tool calls and results visible in the stream", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: system.adminKey });
    expect((await client.models.list()).data.map((model) => model.id)).toContain("helper");
    const answer = await client.chat.completions.create({ model: "helper", messages: [{ role: "user", content: "via openai" }] });
    expect(answer.choices[0]?.message.content).toBe("The tool said: Echo: via openai");
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...apiKeyHeaders() },
      body: JSON.stringify({ model: "helper", stream: true, messages: [{ role: "user", content: "s" }] }),
    });
    const chunks: Record<string, unknown>[] = [];
    for await (const data of sseData(response.body)) if (data !== "[DONE]") chunks.push(JSON.parse(data));
    expect(JSON.stringify(chunks)).toMatch(/"tool_calls":\[\{"index":0,"id":"[^"]+","type":"function","function":\{"name":"echo"/);
    expect(chunks.some((chunk) => (chunk.tool_result as { content?: string } | undefined)?.content === "Echo: s")).toBe(true);
  });

  it("is an MCP tool on the gateway", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: apiKeyHeaders() } }));
    const tool = (await client.listTools()).tools.find((candidate) => candidate.name === "helper");
    expect(tool?.inputSchema).toMatchObject({ type: "object", required: ["message"] });
    const called = (await client.callTool({ name: "helper", arguments: { message: "as a tool" } })) as { content: { text: string }[] };
    expect(JSON.parse(called.content[0]?.text ?? "{}")).toMatchObject({ output: "The tool said: Echo: as a tool" });
    await client.close();
  });

  it("speaks AG-UI, read with the official client", async () => {
    const agent = new HttpAgent({
      url: `${url}/v1/ag-ui/helper/`,
      headers: apiKeyHeaders(),
      initialMessages: [{ id: "m1", role: "user", content: "agui" }],
    });
    const types: string[] = [];
    await agent.runAgent({}, { onEvent: ({ event }) => void types.push(event.type) });
    expect(types[0]).toBe("RUN_STARTED");
    expect(types).toEqual(
      expect.arrayContaining([
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
      ]),
    );
    expect(types.at(-1)).toBe("RUN_FINISHED");
    const text = agent.messages
      .filter((message) => message.role === "assistant")
      .map((message) => message.content)
      .join("");
    expect(text).toContain("The tool said: Echo: agui");
  });

  it("reports a failing tool to the model, which still answers; max_steps ends with the transcript", async () => {
    const clumsy = (await requestJson(`${url}/v1/agents/clumsy/invoke`, { body: { message: "x" } })).body as Invoke;
    expect(clumsy.tool_calls[0]?.is_error).toBe(true);
    expect(clumsy.output).toMatch(/^The tool said: /);
    const looped = await requestJson(`${url}/v1/agents/looper/invoke`, { body: { message: "again" } });
    const error = expectError(looped, 422, "max_steps_exceeded") as unknown as { transcript: { role: string }[] };
    expect(error.transcript.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant", "tool"]);
  });
});

describe("sessions", () => {
  const history = async (id: string) =>
    ((await requestJson(`${url}/v1/agents/helper/sessions/${id}`)).body as { messages: { role: string; content: string | null }[] })
      .messages;

  it("keeps history across invokes and across restarting every executor", async () => {
    const created = await requestJson(`${url}/v1/agents/helper/sessions`, { method: "POST" });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const turn = (message: string) => requestJson(`${url}/v1/agents/helper/sessions/${id}/messages`, { body: { message } });
    expect((await turn("one")).status).toBe(200);
    for (const executor of [...system.executors]) await executor.kill();
    system.executors.splice(0);
    await Promise.all([system.startExecutor(), system.startExecutor()]);
    const second = await turn("two");
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const messages = await history(id);
    expect(messages.filter((message) => message.role === "user").map((message) => message.content)).toEqual(["one", "two"]);
    expect(messages).toHaveLength(8);
    // The model saw the first turn while answering the second.
    const seen = upstream.requests.at(-1)?.messages as { content: string | null }[];
    expect(seen.some((message) => message.content === "one")).toBe(true);
    const listed = await requestJson(`${url}/v1/agents/helper/sessions`);
    expect((listed.body as { items: { id: string }[] }).items.map((item) => item.id)).toContain(id);
    expect((await requestJson(`${url}/v1/agents/helper/sessions/${id}`, { method: "DELETE" })).status).toBe(204);
    expectError(await requestJson(`${url}/v1/agents/helper/sessions/${id}`), 404);
  });

  it("lands all of 20 concurrent continues, each user message followed by its answer, and says when caps trim", async () => {
    const id = ((await requestJson(`${url}/v1/agents/chatty/sessions`, { method: "POST" })).body as { id: string }).id;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        requestJson(`${url}/v1/agents/chatty/sessions/${id}/messages`, { body: { message: `m${index}` } }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const messages = (
      (await requestJson(`${url}/v1/agents/chatty/sessions/${id}`)).body as { messages: { role: string; content: string }[] }
    ).messages;
    expect(messages).toHaveLength(40);
    for (let index = 0; index < 40; index += 2) {
      expect(messages[index]?.role).toBe("user");
      expect(messages[index + 1]).toEqual({ role: "assistant", content: `echo: ${messages[index]?.content}` });
    }
    expect(new Set(messages.filter((message) => message.role === "user").map((message) => message.content)).size).toBe(20);

    // 50 messages at most: six more turns drop the two oldest, and the reply says so.
    let trimmed = 0;
    for (let index = 0; index < 6; index += 1) {
      const reply = await requestJson(`${url}/v1/agents/chatty/sessions/${id}/messages`, { body: { message: `late${index}` } });
      trimmed += (reply.body as Invoke).trimmed;
    }
    expect(trimmed).toBe(2);
    const kept = ((await requestJson(`${url}/v1/agents/chatty/sessions/${id}`)).body as { messages: { content: string }[] }).messages;
    expect(kept).toHaveLength(50);
    expect(kept[0]?.content).not.toBe(messages[0]?.content);
    // The byte cap (96 KiB) trims too.
    const big = await requestJson(`${url}/v1/agents/chatty/sessions/${id}/messages`, { body: { message: "x".repeat(60 * 1024) } });
    expect((big.body as Invoke).trimmed).toBeGreaterThan(2);
  });

  it("answers 404 for a session past its TTL", async () => {
    const id = ((await requestJson(`${url}/v1/agents/chatty/sessions`, { method: "POST" })).body as { id: string }).id;
    await new Promise((resolve) => setTimeout(resolve, (ttlSeconds + 1.5) * 1000));
    expectError(await requestJson(`${url}/v1/agents/chatty/sessions/${id}`), 404, "not_found");
    expectError(await requestJson(`${url}/v1/agents/chatty/sessions/${id}/messages`, { body: { message: "late" } }), 404, "not_found");
    expectError(await requestJson(`${url}/v1/agents/chatty/invoke`, { body: { message: "late", session_id: id } }), 404, "not_found");
  });
});

describe("agents in the background", () => {
  it("runs an agent turn as a background execution, its tool calls and text in the execution's events", async () => {
    const submitted = await requestJson(`${url}/v1/agents/helper/runs`, { body: { message: "weather in Paris?" } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id = (submitted.body as { id: string }).id;
    const done = await waitForStatus(url, id, "succeeded");
    expect(done.result).toMatchObject({ output: expect.any(String), session_id: expect.any(String) });
    const events = await executionEvents(url, id);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe("queued");
    expect(names.at(-1)).toBe("succeeded");
    expect(names).toContain("tool_call");
    expect(names).toContain("delta");
    // An agent's background twin takes only agents.
    expectError(await requestJson(`${url}/v1/agents/nothing-here/runs`, { body: { message: "x" } }), 404, "not_found");
  });
});

describe("AgentSpec's documented calls", () => {
  const agentSpec = { auth: false };
  it("invokes and streams with input and options, and answers AgentSpec's fields beside the native ones", async () => {
    const headers = { "x-api-key": system.adminKey, "x-correlation-id": "corr-42" };
    const invoked = await requestJson(`${url}/v1/agents/chatty/invoke`, {
      ...agentSpec,
      headers,
      body: { input: "AgentSpec hello", options: { temperature: 0.2, max_tokens: 64 } },
    });
    expect(invoked.status, JSON.stringify(invoked.body)).toBe(200);
    expect(invoked.headers.get("x-correlation-id")).toBe("corr-42");
    const body = invoked.body as { output: string; usage: Record<string, number>; tokens: Record<string, number>; duration_ms: number };
    expect(typeof body.output).toBe("string");
    expect(body.usage.input_tokens).toBe(body.usage.prompt_tokens);
    expect(body.usage.output_tokens).toBe(body.usage.completion_tokens);
    expect(body.tokens.total).toBe(body.usage.total_tokens);
    expect(upstream.requests.some((request) => JSON.stringify(request.messages).includes("AgentSpec hello"))).toBe(true);

    const streamed = await fetch(`${url}/v1/agents/chatty/stream`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ input: "AgentSpec stream" }),
    });
    const events: { type: string; content?: string; usage?: Record<string, number> }[] = [];
    for await (const data of sseData(streamed.body)) events.push(JSON.parse(data));
    expect(events.filter((event) => event.type === "token").length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "token").every((event) => typeof event.content === "string")).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "done", usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } });
  });

  it("creates a session with metadata and continues it with input, counting turns", async () => {
    const created = await requestJson(`${url}/v1/agents/chatty/sessions`, { body: { metadata: { user: "ada" } } });
    expect(created.status).toBe(201);
    const session = created.body as { session_id: string; agent: string; created_at: string; metadata: Record<string, string> };
    expect(session).toMatchObject({ agent: "chatty", metadata: { user: "ada" } });
    expect(typeof session.created_at).toBe("string");
    const turns: number[] = [];
    for (const input of ["first turn", "second turn", "third turn"]) {
      const reply = await requestJson(`${url}/v1/agents/chatty/sessions/${session.session_id}/continue`, { body: { input } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      turns.push((reply.body as { turn: number }).turn);
    }
    expect(turns).toEqual([1, 2, 3]);
    // The third turn's model call saw the first.
    const third = upstream.requests.findLast((request) => JSON.stringify(request.messages).includes("third turn"));
    expect(JSON.stringify(third?.messages)).toContain("first turn");
    const listed = (await requestJson(`${url}/v1/agents/chatty/sessions`)).body as {
      sessions: { session_id: string; turns: number; last_active_at: string }[];
      total: number;
    };
    const mine = listed.sessions.find((entry) => entry.session_id === session.session_id);
    expect(mine?.turns).toBe(3);
    expect(Date.parse(mine?.last_active_at ?? "")).toBeGreaterThanOrEqual(Date.parse(session.created_at));
  });

  it("lists agents as AgentSpec's {agents} beside the native {items, total}", async () => {
    const listed = (await requestJson(`${url}/v1/agents`)).body as {
      items: { name: string }[];
      total: number;
      agents: { name: string; model: string; status: string }[];
    };
    expect(listed.total).toBeGreaterThan(0);
    expect(listed.agents.find((agent) => agent.name === "chatty")).toMatchObject({ model: "script", status: "running" });
    expect(listed.agents.map((agent) => agent.name)).toEqual(listed.items.map((item) => item.name));
  });

  it("reports the version and uptime on /healthz", async () => {
    const health = await requestJson(`${url}/healthz`, { auth: false });
    expect(health.body).toMatchObject({ status: "ok", version: expect.any(String), uptime_seconds: expect.any(Number) });
  });
});
