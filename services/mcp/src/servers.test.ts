import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { McpServerInput } from "@switchyard/contracts";
import { createOutboundGuard, type OutboundGuard } from "@switchyard/net";
import { createLogger } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerSpec } from "./config-file.ts";
import { createServerTable } from "./servers.ts";
import type { StdioAllowEntry } from "./stdio-allow.ts";
import type { McpStore } from "./store.ts";

const rule = "which outbound requests may not reach (allow it with MCP_OUTBOUND_ALLOW)";
let listener: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  // Not an MCP server: it only counts who reached it, so a zero means nothing connected.
  listener = createServer((socket) => socket.destroy()).on("connection", () => connections++);
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  port = typeof address === "object" && address ? address.port : 0;
});

const work = mkdtempSync(join(tmpdir(), "switchyard-servers-test-"));
const sentinel = (name: string) => join(work, `sentinel-${name}`);

afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

function memoryStore(stored: McpServerInput[]): McpStore & { puts: McpServerInput[] } {
  const puts: McpServerInput[] = [];
  return {
    puts,
    putServer: async (input) => void puts.push(input),
    removeServer: async () => {},
    servers: async () => stored.map((input) => ({ id: input.id, input })),
    enable: async () => {},
    disable: async () => {},
    enabledCatalog: async () => [],
  };
}

function table(guard: OutboundGuard, stored: McpServerInput[] = [], stdioAllow: StdioAllowEntry[] = []) {
  const store = memoryStore(stored);
  const servers = createServerTable({
    store,
    logger: createLogger({ service: "mcp-test", level: "silent" }),
    launchContext: { serviceEnv: {}, home: work, guardedFetch: guard.fetch, credentials: async () => undefined },
    // No restart within a test: each failure is looked at once.
    supervision: { handshakeTimeoutMs: 5000, pingIntervalMs: 60_000, backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000 } },
    protectedNames: [],
    maxServers: 16,
    stdioAllow,
    checkUrl: guard.checkUrl,
    onChange: () => {},
  });
  return { servers, store };
}

const strict = createOutboundGuard({ allowSetting: "MCP_OUTBOUND_ALLOW" });
const local = (id: string, transport: "http" | "sse"): McpServerInput => ({
  id,
  url: `http://127.0.0.1:${port}/mcp`,
  headers: {},
  transport,
});

describe("servers added or updated over the API", () => {
  it("refuses a URL to a non-public address before anything is stored or connects", async () => {
    const { servers, store } = table(strict);
    await servers.start([], []);
    await expect(servers.add({ ...local("loop", "http"), url: `http://localhost:${port}/mcp` })).rejects.toMatchObject({
      code: "invalid_request",
      param: "url",
      message: expect.stringMatching(new RegExp(`^localhost:${port} resolves to loopback address \\S+, ${rule.replace(/[()]/g, "\\$&")}$`)),
    });
    expect(() => servers.get("loop")).toThrow("does not exist");
    expect(store.puts).toEqual([]);
    expect(connections).toBe(0);
    await servers.stop();
  });

  it("refuses an update to such a URL and keeps the server it had", async () => {
    const { servers, store } = table(strict, [local("kept", "http")]);
    await servers.start([], []);
    const update = { id: "kept", server: { ...local("kept", "http"), url: "http://169.254.169.254/mcp" } };
    await expect(servers.update(update)).rejects.toMatchObject({ code: "invalid_request", param: "server.url" });
    await expect(servers.update(update)).rejects.toThrow(`169.254.169.254 is a cloud metadata address, ${rule}`);
    expect(store.puts).toEqual([]);
    expect(servers.get("kept").id).toBe("kept");
    await servers.stop();
  });
});

describe("connecting", () => {
  it("marks a stored server the guard refuses as failed, over Streamable HTTP and SSE, with no connection made", async () => {
    const before = connections;
    const { servers } = table(strict, [local("restored-http", "http"), local("restored-sse", "sse")]);
    await servers.start([], []);
    const refused = `127.0.0.1 is a loopback address, ${rule}`;
    expect(servers.get("restored-http")).toMatchObject({ isRunning: false, lastError: `handshake failed: ${refused}` });
    expect(servers.get("restored-sse")).toMatchObject({ isRunning: false, lastError: expect.stringContaining(refused) });
    expect(connections).toBe(before);
    await servers.stop();
  });

  it("connects where the allow-list opens the address, and leaves config-file servers to the operator", async () => {
    const allowing = createOutboundGuard({ allow: ["127.0.0.1"] });
    const allowed = table(allowing, [local("allowed", "http")]);
    let before = connections;
    await allowed.servers.start([], []);
    expect(connections).toBeGreaterThan(before);
    await allowed.servers.stop();
    await allowing.dispatcher.destroy();

    const fromFile: ServerSpec = {
      id: "file",
      name: "file",
      description: "",
      config: { url: `http://127.0.0.1:${port}/mcp`, headers: {}, transport: "sse" },
    };
    const operator = table(strict);
    before = connections;
    await operator.servers.start([fromFile], []);
    expect(connections).toBeGreaterThan(before);
    await operator.servers.stop();
  });
});

describe("stdio servers over the API", () => {
  const rule = "stdio servers added over the API must match MCP_STDIO_ALLOW";
  const touch = (id: string, name = id): McpServerInput => ({ id, command: "touch", args: [sentinel(name)], env: {} });

  it("refuses a command the allow-list does not name: nothing stored or spawned", async () => {
    const { servers, store } = table(strict);
    await servers.start([], []);
    await expect(servers.add(touch("refused"))).rejects.toMatchObject({
      code: "invalid_request",
      param: "command",
      message: `${rule}; 'touch ${sentinel("refused")}' does not (it allows none)`,
    });
    expect(() => servers.get("refused")).toThrow("does not exist");
    expect(store.puts).toEqual([]);
    expect(existsSync(sentinel("refused"))).toBe(false);
    await servers.stop();
  });

  it("runs what it names, in a directory of the server's own that goes with it", async () => {
    const { servers, store } = table(strict, [], [{ command: "touch", args: [sentinel("allowed")] }]);
    await servers.start([], []);
    // touch is no MCP server: it runs, exits, and the server is shown failed.
    expect(await servers.add(touch("allowed"))).toMatchObject({
      isRunning: false,
      lastError: expect.stringContaining("exited with code 0"),
    });
    expect(existsSync(sentinel("allowed"))).toBe(true);
    expect(store.puts.map((input) => input.id)).toEqual(["allowed"]);
    expect(readdirSync(work).filter((name) => name.startsWith("runtime-allowed-"))).toHaveLength(1);
    await servers.remove("allowed");
    expect(readdirSync(work).filter((name) => name.startsWith("runtime-allowed-"))).toEqual([]);
    await servers.stop();
  });

  it("refuses variables that would change where an allowed program gets its code", async () => {
    const { servers } = table(strict, [], [{ command: "touch", args: [sentinel("registry")] }]);
    await servers.start([], []);
    for (const name of ["npm_config_registry", "NODE_TLS_REJECT_UNAUTHORIZED", "HTTPS_PROXY", "PERL5DB", "UV_INDEX_URL"]) {
      await expect(servers.add({ ...touch("registry"), env: { [name]: "http://127.0.0.1:9" } }), name).rejects.toMatchObject({
        code: "invalid_request",
        param: name === "PERL5DB" ? undefined : `env.${name}`,
        message: expect.stringContaining(name),
      });
    }
    expect(existsSync(sentinel("registry"))).toBe(false);
    await servers.stop();
  });

  it("refuses an update to a command it does not name and keeps the server it had", async () => {
    const { servers, store } = table(strict, [local("kept", "http")]);
    await servers.start([], []);
    await expect(servers.update({ id: "kept", server: touch("kept") })).rejects.toMatchObject({
      code: "invalid_request",
      param: "server.command",
      message: expect.stringContaining(rule),
    });
    expect(servers.get("kept").transport).toBe("http");
    expect(store.puts).toEqual([]);
    expect(existsSync(sentinel("kept"))).toBe(false);
    await servers.stop();
  });

  it("lists a stored server the allow-list no longer names as failed with the rule, and never spawns it", async () => {
    const { servers } = table(strict, [touch("stored")]);
    await servers.start([], []);
    expect(servers.get("stored")).toMatchObject({ isRunning: false, lastError: expect.stringContaining(rule) });
    expect(existsSync(sentinel("stored"))).toBe(false);
    await servers.remove("stored");
    await servers.stop();
  });

  it('allows the catalog\'s own entries with "catalog", and leaves config-file servers to the operator', async () => {
    const spec = (id: string): ServerSpec => ({ id, name: id, description: "", config: touch(id) });
    const { servers } = table(strict, [], ["catalog"]);
    await servers.start([spec("from-config")], [spec("from-catalog")]);
    expect(existsSync(sentinel("from-config"))).toBe(true);
    await servers.add(touch("api-copy", "from-catalog"));
    expect(existsSync(sentinel("from-catalog"))).toBe(true);
    await expect(servers.add(touch("other"))).rejects.toMatchObject({ message: expect.stringContaining(rule) });
    await servers.stop();
  });
});
