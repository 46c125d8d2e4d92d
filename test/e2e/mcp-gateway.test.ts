import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { apiKeyHeaders, requestJson, requestJsonRaw, sseData, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;

/** The legacy SSE client sends its key both on the stream (through its EventSource's fetch) and on each POST. */
function sseAuth() {
  const headers = apiKeyHeaders();
  return {
    requestInit: { headers },
    eventSourceInit: {
      fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
    },
  };
}

beforeAll(async () => {
  system = await startSystem({ gateways: 2 });
  const url = system.url();
  for (const [name, source] of Object.entries({
    hello: greetYaml(),
    hidden: `skip_mcp: true\n${greetYaml("Psst")}`,
  })) {
    expect((await requestJson(`${url}/deploy-yaml`, { body: { name, source_code: source } })).status).toBe(200);
  }
});
afterAll(async () => {
  await system?.stop();
});

type ToolText = { content: { type: string; text: string }[]; isError?: boolean };

async function exercise(client: Client, url: string): Promise<void> {
  const listed = await client.listTools();
  const hello = listed.tools.find((tool) => tool.name === "hello");
  expect(hello).toMatchObject({
    description: "Says hello.",
    inputSchema: { type: "object", properties: { name: { type: "string" }, times: { type: "integer", default: 1 } }, required: ["name"] },
  });
  expect(listed.tools.map((tool) => tool.name)).not.toContain("hidden");
  expect(listed.tools.map((tool) => tool.name).some((name) => /deploy/.test(name))).toBe(false);

  const called = (await client.callTool({ name: "hello", arguments: { name: "Ada", times: 2 } })) as ToolText;
  expect(called.isError).toBeFalsy();
  expect(JSON.parse(called.content[0]?.text ?? "")).toEqual({ text: "Hello, Ada x2" });

  const missing = (await client.callTool({ name: "hello", arguments: {} })) as ToolText;
  expect(missing.isError).toBe(true);
  expect(missing.content[0]?.text).toMatch(/'name'/);
  const mistyped = (await client.callTool({ name: "hello", arguments: { name: "Ada", times: "two" } })) as ToolText;
  expect(mistyped.isError).toBe(true);
  expect(mistyped.content[0]?.text).toMatch(/'times'.*integer/);

  // Deployed after connecting: in the next tools/list.
  const late = `late${Date.now()}`;
  expect((await requestJson(`${url}/deploy-yaml`, { body: { name: late, source_code: greetYaml("Late") } })).status).toBe(200);
  expect((await client.listTools()).tools.map((tool) => tool.name)).toContain(late);
}

describe("the gateway as an MCP server", () => {
  it("serves pipelines as tools over Streamable HTTP, statelessly across replicas", async () => {
    for (const index of [0, 1]) {
      const client = new Client({ name: "test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${system.url(index)}/mcp`), { requestInit: { headers: apiKeyHeaders() } }),
      );
      await exercise(client, system.url(1 - index));
      await client.close();
    }
  });

  it("serves the legacy SSE transport, and a message posted to another replica reaches the stream", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(new SSEClientTransport(new URL(`${system.url(0)}/sse`), sseAuth()));
    await exercise(client, system.url(0));
    await client.close();

    // By hand: the stream on gateway 0, the request posted to gateway 1.
    const stream = await fetch(`${system.url(0)}/sse`, { headers: { accept: "text/event-stream", ...apiKeyHeaders() } });
    const events = sseData(stream.body);
    const endpoint = (await events.next()).value as string;
    const sessionId = new URL(endpoint, system.url(0)).searchParams.get("sessionId");
    const posted = await fetch(`${system.url(1)}/messages/?sessionId=${sessionId}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...apiKeyHeaders() },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "initialize",
        params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
    });
    expect(posted.status).toBe(202);
    const reply = JSON.parse((await events.next()).value as string) as { id: number; result: { serverInfo: { name: string } } };
    expect(reply).toMatchObject({ id: 7, result: { serverInfo: { name: "switchyard" } } });
    await events.return(undefined);

    expectError(await requestJson(`${system.url(1)}/messages/?sessionId=nope`, { body: { jsonrpc: "2.0", id: 1, method: "ping" } }), 404);
  });

  it("refuses foreign origins and hosts with 403", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    const headers = { accept: "application/json, text/event-stream" };
    // node:http, because fetch will not send a chosen Origin or Host.
    expectError(
      await requestJsonRaw(`${system.url()}/mcp`, { body: initialize, headers: { ...headers, origin: "https://evil.example" } }),
      403,
      "forbidden",
    );
    expectError(
      await requestJsonRaw(`${system.url()}/mcp`, { body: initialize, headers: { ...headers, host: "evil.example" } }),
      403,
      "forbidden",
    );
    expectError(await requestJsonRaw(`${system.url()}/sse`, { headers: { origin: "https://evil.example" } }), 403, "forbidden");
    expect(
      (await requestJsonRaw(`${system.url()}/mcp`, { body: initialize, headers: { ...headers, origin: "http://localhost:3000" } })).status,
    ).toBe(200);
    expectError(await requestJson(`${system.url()}/mcp`), 405, "method_not_allowed");
  });
});
