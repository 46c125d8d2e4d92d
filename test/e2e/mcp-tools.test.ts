import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "./helpers.ts";

const run = promisify(execFile);
const everything = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");
const scratch = mkdtempSync(join(tmpdir(), "switchyard-mcp-tools-"));
let system: TestSystem;
let url: string;

type Entry = {
  id: string;
  isRunning: boolean;
  isConfig: boolean;
  enabled: boolean;
  lastError?: string;
  tools: { name: string }[];
  transport: string;
  requiredEnvVars: string[];
};

beforeAll(async () => {
  const config = join(scratch, "mcp.json");
  writeFileSync(config, JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [everything, "stdio"] } } }));
  system = await startSystem({ withMcp: true, env: { MCP_CONFIG_PATH: config } });
  url = system.url();
  const pipelines = {
    shout:
      "inputs: { text: {} }\ncomponents:\n  call: { type: tool, server: everything, tool: echo, arguments: { message: '{{ text }}!' } }\noutputs: { text: call.text }",
    sum: "inputs: { a: { type: number }, b: { type: number } }\ncomponents:\n  add: { type: tool, server: everything, tool: get-sum, arguments: { a: '{{ a }}', b: '{{ b }}' } }\noutputs: { text: add.text }",
    broken: "components:\n  call: { type: tool, server: everything, tool: echo, arguments: {} }\noutputs: { text: call.text }",
    ghost: "components:\n  call: { type: tool, server: nowhere, tool: echo, arguments: { message: hi } }\noutputs: { text: call.text }",
  };
  for (const [name, source] of Object.entries(pipelines)) {
    expect((await requestJson(`${url}/deploy-yaml`, { body: { name, source_code: source } })).status).toBe(200);
  }
});
afterAll(async () => {
  await system?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const entry = async (id: string) => (await requestJson(`${url}/v1/mcp/servers/${id}`)).body as Entry;

describe("MCP servers as tools for pipelines", () => {
  it("calls a tool of a stdio server from config through a pipeline's tool component", async () => {
    const listed = (await requestJson(`${url}/v1/mcp/servers/config`)).body as { items: Entry[] };
    expect(listed.items).toMatchObject([{ id: "everything", isConfig: true, isRunning: true, transport: "stdio", enabled: true }]);
    expect(listed.items[0]?.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["echo", "get-sum"]));
    expect((await requestJson(`${url}/shout/run`, { body: { text: "hey" } })).body).toEqual({ result: { text: "Echo: hey!" } });
    expect((await requestJson(`${url}/sum/run`, { body: { a: 2, b: 40 } })).body).toEqual({
      result: { text: "The sum of 2 and 40 is 42." },
    });
  });

  it("turns a tool error into a component error with the server's message", async () => {
    const broken = expectError(await requestJson(`${url}/broken/run`, { body: {} }), 502, "upstream_error");
    expect(broken.message).toMatch(/tool 'echo' on 'everything' failed: .*message/i);
    const ghost = expectError(await requestJson(`${url}/ghost/run`, { body: {} }), 404);
    expect(ghost.message).toMatch(/nowhere/);
  });

  it("reports a killed server as failed with the reason, restarts it, and the tool works again", async () => {
    // This system's server is a child of this system's mcp service (other test files run their own).
    const { stdout } = await run("ps", ["-eo", "pid,ppid,args"]);
    const line = stdout
      .split("\n")
      .map((row) => row.trim().split(/\s+/))
      .find(([, ppid, ...args]) => Number(ppid) === system.mcp?.pid && args.join(" ").includes(everything));
    expect(line, stdout).toBeDefined();
    process.kill(Number(line?.[0]), "SIGKILL");
    await expect.poll(async () => (await entry("everything")).isRunning, { timeout: 10_000, interval: 20 }).toBe(false);
    expect((await entry("everything")).lastError).toMatch(/SIGKILL|exit|closed/i);
    await expect.poll(async () => (await entry("everything")).isRunning, { timeout: 30_000, interval: 100 }).toBe(true);
    expect((await requestJson(`${url}/shout/run`, { body: { text: "back" } })).body).toEqual({ result: { text: "Echo: back!" } });
  });

  it("refuses hostile configs with 400 before anything is spawned", async () => {
    const sentinel = join(scratch, "sentinel");
    const write = `require('fs').writeFileSync(${JSON.stringify(sentinel)}, 'x')`;
    const hostile: Record<string, unknown>[] = [
      { command: "sh", args: ["-c", `touch ${sentinel}`] },
      { command: "/bin/bash", args: ["-c", `touch ${sentinel}`] },
      { command: "node", args: ["-e", write] },
      { command: "node", args: [`--eval=${write}`] },
      { command: "node", args: ["-p", write] },
      { command: "python3", args: ["-c", `open(${JSON.stringify(sentinel)}, 'w')`] },
      { command: "npx", args: ["-c", `touch ${sentinel}`] },
      { command: "node", args: [everything, "stdio"], env: { NODE_OPTIONS: `--require ${sentinel}` } },
      { command: "node", args: [everything, "stdio"], env: { LD_PRELOAD: "/tmp/evil.so" } },
      { command: "node", args: [everything, "stdio"], env: { PATH: "/tmp" } },
      // Over the API a server may not read the mcp service's environment at all.
      { command: "node", args: [everything, "stdio"], env: { STOLEN: ["$", "{REDIS_URL}"].join("") } },
    ];
    for (const [index, config] of hostile.entries()) {
      const refused = await requestJson(`${url}/v1/mcp/servers`, { body: { id: `hostile${index}`, ...config } });
      expectError(refused, 400, "invalid_request");
    }
    expect(existsSync(sentinel)).toBe(false);
    expect(((await requestJson(`${url}/v1/mcp/servers/available`)).body as { items: Entry[] }).items.map((item) => item.id)).not.toContain(
      "hostile0",
    );
  });

  it("manages servers: add, update, remove, and the catalog's enable and disable", async () => {
    const added = await requestJson(`${url}/v1/mcp/servers`, {
      body: { id: "second", command: process.execPath, args: [everything, "stdio"] },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ id: "second", isRunning: true, isConfig: false });
    expectError(
      await requestJson(`${url}/v1/mcp/servers`, { body: { id: "second", command: process.execPath, args: [everything, "stdio"] } }),
      409,
    );
    const updated = await requestJson(`${url}/v1/mcp/servers/second`, {
      method: "PUT",
      body: { name: "Second", command: process.execPath, args: [everything, "stdio"] },
    });
    expect(updated.body).toMatchObject({ id: "second", name: "Second" });
    expect((await requestJson(`${url}/v1/mcp/servers/second`, { method: "DELETE" })).status).toBe(204);
    expectError(await requestJson(`${url}/v1/mcp/servers/second`), 404);

    // The catalog has its own "everything", apart from the config server of the same id.
    expectError(await requestJson(`${url}/v1/mcp/servers/catalog/nothing-here/enable`, { method: "POST" }), 404);
    expectError(await requestJson(`${url}/v1/mcp/servers/catalog/everything/disable`, { method: "DELETE" }), 404);
    const enabled = await requestJson(`${url}/v1/mcp/servers/catalog/everything/enable`, { method: "POST" });
    expect(enabled.status).toBe(201);
    expect(enabled.body).toMatchObject({ id: "everything", enabled: true, isConfig: false });
    const running = (await requestJson(`${url}/v1/mcp/servers`)).body as { items: Entry[]; total: number };
    expect(running.items.filter((item) => item.id === "everything")).toHaveLength(2);
    expect((await requestJson(`${url}/v1/mcp/servers/catalog/everything/disable`, { method: "DELETE" })).status).toBe(204);
    expect(
      ((await requestJson(`${url}/v1/mcp/servers/catalog`)).body as { items: Entry[] }).items.find((item) => item.id === "everything")
        ?.enabled,
    ).toBe(false);
  });
});
