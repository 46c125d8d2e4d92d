import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonObject, parseJsonOrUndefined } from "@switchyard/contracts";
import { createMcpClient, type McpGrpcClient } from "@switchyard/grpc";
import { repoRoot } from "@switchyard/local";
import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamModels } from "./chat-helpers.ts";

// agent-runtimes' MCP lifecycle and configuration calls under /api/v1, against a real mcp service and catalog.
const work = mkdtempSync(join(tmpdir(), "switchyard-runtimes-lifecycle-"));
const everything = "@modelcontextprotocol/server-everything/dist/index.js";
/** The value a client supplies in `env_vars`: it may reach the server that declares it, and nothing else. */
const token = `tvly-${randomUUID()}`;

let system: TestSystem;
let upstream: Upstream;
let url: string;
let grpc: McpGrpcClient;

beforeAll(async () => {
  upstream = await startUpstream();
  writeFileSync(join(work, "mcp.json"), JSON.stringify({ mcpServers: {} }));
  writeFileSync(
    join(work, "catalog.json"),
    JSON.stringify({
      mcpServers: {
        "env-echo": {
          name: "Env echo",
          description: "server-everything, given DEMO_TOKEN",
          module: everything,
          args: ["stdio"],
          env: { DEMO_TOKEN: `\${DEMO_TOKEN}` },
        },
        plain: { name: "Plain", module: everything, args: ["stdio"] },
      },
    }),
  );
  system = await startSystem({
    withMcp: true,
    withSessions: true,
    env: {
      SWITCHYARD_MODELS: upstreamModels(upstream.url),
      MCP_CONFIG_PATH: join(work, "mcp.json"),
      MCP_CATALOG_PATH: join(work, "catalog.json"),
    },
  });
  url = system.url();
  grpc = createMcpClient(`127.0.0.1:${system.mcp?.ready.grpcPort}`);
  // A server rt-two names is removed after it was selected: its start and stop report it not found.
  const script = createRequire(join(repoRoot, "services", "mcp", "package.json")).resolve(everything);
  const added = await requestJson(`${url}/api/v1/mcp/servers`, {
    body: { id: "nowhere", command: process.execPath, args: [script, "stdio"] },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  // Catalog entries are named before they are started, as agent-runtimes' clients do.
  for (const [id, servers] of [
    ["rt-one", ["env-echo", "plain"]],
    ["rt-two", ["plain", "nowhere"]],
  ] as const) {
    expect(
      (await requestJson(`${url}/api/v1/agents`, { body: { id, name: id, model: "remote", system_prompt: "Use tools." } })).status,
    ).toBe(201);
    const patched = await requestJson(`${url}/api/v1/agents/${id}/mcp-servers`, {
      method: "PATCH",
      body: { selected_mcp_servers: servers },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  }
  expect((await requestJson(`${url}/api/v1/mcp/servers/nowhere`, { method: "DELETE" })).status).toBe(204);
});
afterAll(async () => {
  grpc?.close();
  await system?.stop();
  await upstream?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** What the server's process has in its environment, from server-everything's `get-env` tool. */
async function serverEnv(id: string): Promise<JsonObject | undefined> {
  const result = await grpc.callTool(id, "get-env", {}, { deadlineMs: 10_000 });
  return parseJsonOrUndefined(JsonObject, result.text);
}

describe("agent-runtimes' MCP lifecycle and configuration", () => {
  it("lists catalog entries with its fields, and enables and disables one", async () => {
    const catalog = (await requestJson(`${url}/api/v1/mcp/servers/catalog`)).body as Record<string, unknown>[];
    expect(catalog.find((entry) => entry.id === "env-echo")).toMatchObject({
      isCatalog: true,
      enabled: false,
      isRunning: false,
      isAvailable: false,
      requiredEnvVars: ["DEMO_TOKEN"],
      command: process.execPath,
      args: [expect.stringContaining("server-everything"), "stdio"],
    });
    const enabled = await requestJson(`${url}/api/v1/mcp/servers/catalog/plain/enable`, { method: "POST" });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(201);
    const tools = (enabled.body as { tools: { name: string; enabled: boolean; inputSchema: { type: string } }[] }).tools;
    expect(tools.find((tool) => tool.name === "echo")).toMatchObject({
      enabled: true,
      inputSchema: { type: "object", properties: { message: expect.any(Object) } },
    });
    expect((await requestJson(`${url}/api/v1/mcp/servers/catalog/plain/disable`, { method: "DELETE" })).status).toBe(204);
    expect((await requestJson(`${url}/api/v1/mcp/servers/plain`)).body).toMatchObject({ enabled: false, isRunning: false });
  });

  it("refuses bad env_vars with its 422 body, storing and starting nothing", async () => {
    const bad = await requestJson(`${url}/api/v1/agents/rt-one/mcp-servers/start`, {
      body: { env_vars: [{ name: "1BAD", value: "x" }, { name: "OK" }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      detail: { validation_errors: [expect.stringMatching(/^env_vars\.0\.name: /), expect.stringMatching(/^env_vars\.1\.value: /)] },
      status_code: 422,
    });
    expect((await requestJson(`${url}/v1/credentials/env.DEMO_TOKEN`)).status).toBe(404);
    expect((await requestJson(`${url}/api/v1/mcp/servers/env-echo`)).body).toMatchObject({ enabled: false });
  });

  it("starts one agent's servers with its env_vars as a credential the server alone receives", async () => {
    const started = await requestJson(`${url}/api/v1/agents/rt-one/mcp-servers/start`, {
      body: { env_vars: [{ name: "DEMO_TOKEN", value: token }] },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toEqual({
      agent_id: "rt-one",
      started_servers: ["env-echo", "plain"],
      stopped_servers: [],
      already_running: [],
      already_stopped: [],
      failed_servers: [],
      codemode_rebuilt: false,
      message: "Started 2 server(s)",
    });
    expect(JSON.stringify(started.body)).not.toContain(token);
    expect(await serverEnv("env-echo")).toMatchObject({ DEMO_TOKEN: token });
    expect(await serverEnv("plain")).not.toHaveProperty("DEMO_TOKEN");
    // A scoped credential, masked when read; never in the mcp service's own environment.
    const credential = await requestJson(`${url}/v1/credentials/env.DEMO_TOKEN`);
    expect(credential.body).toMatchObject({ name: "env.DEMO_TOKEN", type: "mcp" });
    expect(JSON.stringify(credential.body)).not.toContain(token);
    expect(readFileSync(`/proc/${system.mcp?.child.pid}/environ`, "utf8")).not.toContain(token);
    const entry = (await requestJson(`${url}/api/v1/mcp/servers/env-echo`)).body;
    expect(entry).toMatchObject({ isRunning: true, isAvailable: true });
    expect(JSON.stringify(entry)).not.toContain(token);
  });

  it("starts every agent's servers, reporting the running ones and one that does not exist", async () => {
    const all = await requestJson(`${url}/api/v1/agents/mcp-servers/start`, {
      body: { jupyter_sandbox: "http://localhost:8888?token=t" },
    });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({
      agents_processed: expect.arrayContaining(["rt-one", "rt-two"]),
      started_servers: [],
      already_running: ["env-echo", "plain"],
      failed_servers: [{ server_id: "nowhere", error: "Server config not found" }],
      sandbox_configured: false,
      message: expect.stringMatching(
        /^Started 0 server\(s\) across \d+ agent\(s\), 2 already running, 1 failed; jupyter_sandbox is not offered, the code sandbox stays quickjs-wasm$/,
      ),
    });
  });

  it("describes models, servers and tools, and the toolsets' status and launch info", async () => {
    const configuration = (await requestJson(`${url}/api/v1/configure`)).body as {
      models: { id: string }[];
      mcp_servers: { id: string }[];
      tools: { name: string; server_id: string }[];
    };
    expect(configuration.models).toContainEqual(expect.objectContaining({ id: "remote" }));
    expect(configuration.mcp_servers.map((server) => server.id)).toEqual(expect.arrayContaining(["env-echo", "plain"]));
    expect(configuration.tools).toContainEqual(expect.objectContaining({ name: "echo", server_id: "plain" }));
    expect((await requestJson(`${url}/api/v1/configure/mcp-toolsets-status`)).body).toEqual({
      initialized: true,
      ready_count: 2,
      failed_count: 0,
      ready_servers: ["env-echo", "plain"],
      failed_servers: {},
    });
    const info = (await requestJson(`${url}/api/v1/configure/mcp-toolsets-info`)).body;
    expect(info).toEqual([
      { type: "MCPServerStdio", id: "env-echo", command: process.execPath, args: [expect.stringContaining("server-everything"), "stdio"] },
      { type: "MCPServerStdio", id: "plain", command: process.execPath, args: [expect.stringContaining("server-everything"), "stdio"] },
    ]);
    expect(JSON.stringify(info)).not.toContain(token);
  });

  it("stops one agent's servers, then every agent's, and answers 404 for an agent that does not exist", async () => {
    const one = await requestJson(`${url}/api/v1/agents/rt-two/mcp-servers/stop`, { method: "POST" });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body).toEqual({
      agent_id: "rt-two",
      started_servers: [],
      stopped_servers: ["plain"],
      already_running: [],
      already_stopped: [],
      failed_servers: [{ server_id: "nowhere", error: "Server config not found" }],
      codemode_rebuilt: false,
      message: "Stopped 1 server(s), 1 failed",
    });
    const all = await requestJson(`${url}/api/v1/agents/mcp-servers/stop`, { method: "POST" });
    expect(all.body).toMatchObject({ stopped_servers: ["env-echo"], already_stopped: ["plain"] });
    expect((await requestJson(`${url}/api/v1/configure/mcp-toolsets-status`)).body).toMatchObject({ ready_count: 0, ready_servers: [] });
    // An agent whose catalog servers are stopped still answers, without their tools.
    const reply = await requestJson(`${url}/api/v1/agents/rt-one/prompt/sync`, { body: { message: "still here" } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ response: expect.stringContaining("still here"), tool_calls: [] });
    const ghost = await requestJson(`${url}/api/v1/agents/ghost/mcp-servers/start`, { body: {} });
    expect(ghost.status).toBe(404);
    expect(ghost.body).toEqual({ detail: "Agent not found", status_code: 404 });
  });
});
