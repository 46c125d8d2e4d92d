import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSubjects, type Endpoint, type EndpointName, endpoints, McpServerEntry, McpServerList } from "@switchyard/contracts";
import { callUnary, createGrpcClient, createMcpClient, type McpGrpcClient, mcpProto } from "@switchyard/grpc";
import { freePort, repoRoot, type ServiceProcess, startServiceProcess, stopChild } from "@switchyard/local";
import { type Bus, call, connectNats, type NatsConnection } from "@switchyard/nats";
import { type Infra, serviceEnv, startInfra } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, loggedPid } from "./mcp-helpers.ts";

const everything = createRequire(join(repoRoot, "services", "mcp", "package.json")).resolve(
  "@modelcontextprotocol/server-everything/dist/index.js",
);
/** A `${NAME}` reference to the service's environment. */
const ref = (name: string) => `\${${name}}`;
const subjects = createSubjects("sy");
const work = mkdtempSync(join(tmpdir(), "switchyard-mcp-test-"));
const sentinels = join(work, "sentinels");
const sentinel = (name: string) => join(sentinels, name);

interface ServerChanged {
  id: string;
  isRunning: boolean;
  isCatalog: boolean;
  lastError?: string;
}

let infra: Infra;
let nats: NatsConnection;
let service: ServiceProcess;
let grpc: McpGrpcClient;
const events: ServerChanged[] = [];
const helpers: ChildProcess[] = [];

function startMcp(overrides: Record<string, string> = {}): Promise<ServiceProcess> {
  return startServiceProcess({
    service: "mcp",
    env: {
      ...serviceEnv(infra),
      MCP_GRPC_ADDRESS: "127.0.0.1:0",
      MCP_CONFIG_PATH: join(work, "mcp.json"),
      MCP_TEST_GREETING: "hello from the service",
      MCP_PING_INTERVAL_MS: "1000",
      MCP_HANDSHAKE_TIMEOUT_MS: "8000",
      // The HTTP servers these tests add listen on loopback, which the API may not name without this.
      MCP_OUTBOUND_ALLOW: "127.0.0.1",
      // What the stdio servers these tests add run (hostile ones: mcp-stdio-rules.test.ts).
      MCP_STDIO_ALLOW: JSON.stringify([
        "catalog",
        { command: process.execPath, args: [join(work, "*.mjs")] },
        { command: process.execPath, args: [join(work, "*.mjs"), join(work, "*.pids")] },
        { command: "no-such-mcp-server", args: [] },
      ]),
      ...overrides,
    },
  });
}

async function connectService(): Promise<void> {
  service = await startMcp();
  grpc = createMcpClient(`127.0.0.1:${service.ready.grpcPort}`);
}

beforeAll(async () => {
  mkdirSync(sentinels);
  const server = (env: Record<string, string>) => ({ command: process.execPath, args: [everything, "stdio"], env });
  const config = {
    mcpServers: {
      local: server({ GREETING: ref("MCP_TEST_GREETING"), PLAIN: "plain" }),
      "needs-token": server({ TOKEN: ref("MCP_TEST_MISSING_TOKEN") }),
      hostile: { command: "sh", args: ["-c", `touch ${sentinel("config")}`] },
    },
  };
  writeFileSync(join(work, "mcp.json"), JSON.stringify(config));
  infra = await startInfra();
  nats = await connectNats({ url: infra.natsUrl, name: "mcp-test" });
  nats.subscribe(subjects.event("mcpServerChanged"), {
    callback: (_error, message) => {
      events.push(message.json<ServerChanged>());
    },
  });
  await connectService();
});

afterAll(async () => {
  grpc?.close();
  await service?.stop();
  await Promise.all(helpers.map((child) => stopChild(child)));
  await nats?.close();
  await infra?.stop();
  rmSync(work, { recursive: true, force: true });
});

const options = { timeoutMs: 20_000 };
const bus = (): Bus => ({ nats, subjects });
type McpEndpoint = Extract<EndpointName, `mcp${string}`>;
// Payloads are checked against the endpoint's request schema on the way out: these tests send well-formed requests
// that the service must refuse for what they mean.
const ask = (name: McpEndpoint, payload: object, on: Bus = bus()): Promise<unknown> => {
  const endpoint: Endpoint = endpoints[name];
  return call(on, endpoint, payload, options);
};
const entry = async (name: "mcpGet" | "mcpAdd" | "mcpUpdate" | "mcpEnable", payload: object) =>
  McpServerEntry.parse(await ask(name, payload));
const list = async (name: "mcpList" | "mcpConfig" | "mcpCatalog" | "mcpAvailable") => McpServerList.parse(await ask(name, {}));
const echo = (server: string, message: string) => grpc.callTool(server, "echo", { message }, { deadlineMs: 20_000 });
/** A CallTool with raw `arguments_json`, as a peer that is not Switchyard's client could send it. */
function rawCallTool(argumentsJson: string, deadlineMs: number) {
  const client = createGrpcClient(mcpProto().Mcp, `127.0.0.1:${service.ready.grpcPort}`);
  return callUnary(client, client.CallTool, { server: "local", tool: "echo", argumentsJson }, { deadlineMs }).finally(() => client.close());
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket.end() && true));
    socket.once("error", () => resolve(false));
  });
}

/** server-everything over HTTP (`streamableHttp` or `sse`), listening on a free port. */
async function startHttpServer(transport: "streamableHttp" | "sse"): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [everything, transport], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: "ignore",
  });
  helpers.push(child);
  await expect.poll(() => listening(port), { timeout: 20_000 }).toBe(true);
  return port;
}

describe("config servers over stdio", () => {
  it("spawns server-everything from the config file and calls its tools", async () => {
    const reply = await echo("local", "hi");
    expect(reply.text).toBe("Echo: hi");
    expect(reply.isError).toBe(false);
    expect(reply.content).toEqual([{ type: "text", text: "Echo: hi" }]);
    const sum = await grpc.callTool("local", "get-sum", { a: 2, b: 3 }, { deadlineMs: 20_000 });
    expect(sum.text).toContain("is 5");
    const tools = await grpc.listTools("local", { deadlineMs: 5000 });
    const echoTool = tools.find((tool) => tool.name === "echo");
    expect(echoTool?.inputSchema.properties).toHaveProperty("message");
  });

  it("gives a stdio server only a fixed PATH, HOME and the variables its entry declares", async () => {
    const reply = await grpc.callTool("local", "get-env", {}, { deadlineMs: 20_000 });
    const env = JSON.parse(reply.text) as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(["GREETING", "HOME", "PATH", "PLAIN"]);
    expect(env).toMatchObject({ PATH: "/usr/local/bin:/usr/bin:/bin", GREETING: "hello from the service", PLAIN: "plain" });
    expect(env.HOME).not.toBe(process.env.HOME);
  });

  it("lists config servers, fails one with a missing variable and skips the hostile one", async () => {
    const config = await list("mcpConfig");
    expect(config.items.map((item) => item.id)).toEqual(["local", "needs-token"]);
    const [local, needsToken] = config.items;
    expect(local).toMatchObject({ name: "local", description: "", transport: "stdio", enabled: true, isRunning: true, isConfig: true });
    expect(local?.tools.map((tool) => tool.name)).toContain("echo");
    expect(local?.lastError).toBeUndefined();
    expect(needsToken).toMatchObject({ isRunning: false, requiredEnvVars: ["MCP_TEST_MISSING_TOKEN"] });
    expect(needsToken?.lastError).toContain("MCP_TEST_MISSING_TOKEN");
    expect((await list("mcpList")).items.map((item) => item.id)).toEqual(["local"]);
    expect(existsSync(sentinel("config"))).toBe(false);
    expect(service.recentLines().some((line) => line.includes('"mcp.server.skipped"') && line.includes("'sh -c'"))).toBe(true);
    expect(await ask("mcpPing", {})).toMatchObject({ service: "mcp" });
    await expect(ask("mcpGet", { id: "nope" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("answers gRPC errors with the right codes", async () => {
    const deadline = { deadlineMs: 5000 };
    await expect(grpc.listTools("nope", deadline)).rejects.toMatchObject({ code: "not_found" });
    const unavailable = await grpc.callTool("needs-token", "echo", {}, deadline).catch((error) => error);
    expect(unavailable).toMatchObject({ code: "unavailable" });
    expect(unavailable.message).toContain("needs-token");
    expect(unavailable.message).toContain("MCP_TEST_MISSING_TOKEN");
    await expect(rawCallTool("{oops", deadline.deadlineMs)).rejects.toMatchObject({ code: "invalid_request", param: "arguments_json" });
    await expect(rawCallTool("[1]", deadline.deadlineMs)).rejects.toMatchObject({ code: "invalid_request", param: "arguments_json" });
    await expect(grpc.callTool("local", "nope", {}, deadline)).rejects.toMatchObject({ code: "not_found", param: "tool" });
  });
});

describe("runtime servers", () => {
  it("marks a server whose command exits at once as failed, with its exit code and stderr", async () => {
    const script = join(work, "quit.mjs");
    writeFileSync(script, 'process.stderr.write("boom: no configuration\\n");\nprocess.exit(3);\n');
    const added = await entry("mcpAdd", { id: "quitter", command: process.execPath, args: [script], description: "exits" });
    expect(added).toMatchObject({
      id: "quitter",
      name: "quitter",
      description: "exits",
      isRunning: false,
      isConfig: false,
      isCatalog: false,
    });
    expect(added.lastError).toContain("exited with code 3");
    expect(added.lastError).toContain("boom: no configuration");
    await expect(ask("mcpAdd", { id: "quitter", command: process.execPath, args: [script] })).rejects.toMatchObject({ code: "conflict" });
    expect(await ask("mcpRemove", { id: "quitter" })).toEqual({});
    await expect(ask("mcpRemove", { id: "quitter" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("reports a command that can't be found", async () => {
    const added = await entry("mcpAdd", { id: "missing-binary", command: "no-such-mcp-server" });
    expect(added.isRunning).toBe(false);
    expect(added.lastError).toContain("ENOENT");
    await ask("mcpRemove", { id: "missing-binary" });
  });

  it("kills a server that does not finish its handshake in time and marks it failed", async () => {
    const script = join(work, "silent.mjs");
    const pids = join(work, "silent.pids");
    // Reads the initialize request and never answers; records each pid it ran as.
    writeFileSync(
      script,
      'import { appendFileSync } from "node:fs";\nappendFileSync(process.argv[2], process.pid + "\\n");\nprocess.stdin.resume();\n',
    );
    const added = await entry("mcpAdd", { id: "silent", command: process.execPath, args: [script, pids] });
    expect(added).toMatchObject({ isRunning: false, lastError: "handshake did not finish within 8000 ms" });
    const first = Number(readFileSync(pids, "utf8").split("\n")[0]);
    expect(first).toBeGreaterThan(0);
    await expect.poll(() => alive(first), { timeout: 10_000 }).toBe(false);
    await ask("mcpRemove", { id: "silent" });
  });

  it("updates a config server and refuses unknown ids and mismatched bodies", async () => {
    const server = { id: "local", command: process.execPath, args: [everything, "stdio"], description: "updated" };
    const updated = await entry("mcpUpdate", { id: "local", server });
    expect(updated).toMatchObject({ id: "local", description: "updated", isConfig: true, isRunning: true });
    expect((await echo("local", "after update")).text).toBe("Echo: after update");
    await expect(ask("mcpUpdate", { id: "ghost", server: { ...server, id: "ghost" } })).rejects.toMatchObject({ code: "not_found" });
    await expect(ask("mcpUpdate", { id: "local", server: { ...server, id: "other" } })).rejects.toMatchObject({ code: "invalid_request" });
  });
});

describe("the catalog", () => {
  it("lists entries, enables and disables them", async () => {
    const catalog = await list("mcpCatalog");
    expect(catalog.items.map((item) => item.id)).toEqual(["everything", "filesystem", "github"]);
    expect(catalog.items.every((item) => item.isCatalog && !item.enabled && !item.isRunning)).toBe(true);
    expect(catalog.items.find((item) => item.id === "github")?.requiredEnvVars).toEqual(["GITHUB_PERSONAL_ACCESS_TOKEN"]);

    await expect(ask("mcpEnable", { id: "nope" })).rejects.toMatchObject({ code: "not_found" });
    const enabled = await entry("mcpEnable", { id: "everything" });
    expect(enabled).toMatchObject({ id: "everything", enabled: true, isRunning: true, isCatalog: true, isConfig: false });
    expect(enabled.tools.map((tool) => tool.name)).toContain("echo");
    await expect(ask("mcpEnable", { id: "everything" })).rejects.toMatchObject({ code: "conflict" });
    expect((await echo("everything", "from the catalog")).text).toBe("Echo: from the catalog");

    const github = await entry("mcpEnable", { id: "github" });
    expect(github).toMatchObject({ enabled: true, isRunning: false });
    expect(github.lastError).toContain("GITHUB_PERSONAL_ACCESS_TOKEN");
    const filesystem = await entry("mcpEnable", { id: "filesystem" });
    expect(filesystem.lastError).toContain("not installed");
    for (const id of ["github", "filesystem"]) expect(await ask("mcpDisable", { id })).toEqual({});
    await expect(ask("mcpDisable", { id: "github" })).rejects.toMatchObject({ code: "not_found" });
    await expect(ask("mcpDisable", { id: "nope" })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("HTTP servers", () => {
  it("connects over Streamable HTTP, in its own namespace beside the catalog entry of the same id", async () => {
    const port = await startHttpServer("streamableHttp");
    const added = await entry("mcpAdd", { id: "everything", url: `http://127.0.0.1:${port}/mcp`, name: "Everything over HTTP" });
    expect(added).toMatchObject({ id: "everything", transport: "http", isRunning: true, isCatalog: false, name: "Everything over HTTP" });
    expect((await echo("everything", "over http")).text).toBe("Echo: over http");
    const same = (await list("mcpAvailable")).items.filter((item) => item.id === "everything");
    expect(same.map((item) => item.isCatalog).sort()).toEqual([false, true]);
    expect((await entry("mcpGet", { id: "everything" })).transport).toBe("http");
  });

  it("connects over SSE", async () => {
    const port = await startHttpServer("sse");
    const added = await entry("mcpAdd", { id: "remote-sse", url: `http://127.0.0.1:${port}/sse`, transport: "sse" });
    expect(added).toMatchObject({ transport: "sse", isRunning: true });
    expect((await echo("remote-sse", "over sse")).text).toBe("Echo: over sse");
  });
});

describe("supervision", () => {
  it("reports a killed stdio server as failed with the reason, restarts it, and its tools work again", async () => {
    const pid = loggedPid(service, "local");
    expect(pid).toBeGreaterThan(0);
    const seen = events.length;
    process.kill(pid ?? 0, "SIGKILL");
    const after = () => events.slice(seen).filter((event) => event.id === "local" && !event.isCatalog);
    await expect.poll(() => after().find((event) => !event.isRunning), { timeout: 20_000 }).toBeDefined();
    expect(after().find((event) => !event.isRunning)?.lastError).toContain("SIGKILL");
    await expect.poll(() => after().some((event) => event.isRunning), { timeout: 20_000 }).toBe(true);
    // The log line of the new process comes through the service's stdout pipe, maybe after the NATS event.
    await expect.poll(() => loggedPid(service, "local"), { timeout: 5000 }).not.toBe(pid);
    expect((await echo("local", "again")).text).toBe("Echo: again");
  });

  it("cancels the MCP request when the caller's deadline passes", async () => {
    const pending = grpc.callTool("local", "trigger-long-running-operation", { duration: 30, steps: 3 }, { deadlineMs: 1500 });
    await expect(pending).rejects.toMatchObject({ code: "timeout" });
    const cancelled = () => service.recentLines().some((line) => line.includes('"mcp.tool.cancelled"') && line.includes("trigger-long"));
    await expect.poll(cancelled, { timeout: 10_000 }).toBe(true);
    expect((await echo("local", "still fine")).text).toBe("Echo: still fine");
  });

  it("restores runtime servers and enabled catalog entries from Redis after a restart", async () => {
    grpc.close();
    await service.stop();
    await connectService();
    expect(await entry("mcpGet", { id: "remote-sse" })).toMatchObject({ isRunning: true, isConfig: false });
    const running = (await list("mcpList")).items.map((item) => `${item.id}${item.isCatalog ? " (catalog)" : ""}`);
    expect(running).toEqual(["everything", "everything (catalog)", "local", "remote-sse"]);
    expect((await echo("remote-sse", "restored")).text).toBe("Echo: restored");
  });
});

describe("outbound guard", () => {
  it("refuses API URLs to loopback, private and metadata addresses without the allow-list: nothing stored or connected", async () => {
    let connections = 0;
    await using listener = createServer((socket) => socket.destroy()).on("connection", () => connections++);
    const port = await freePort();
    await new Promise<void>((resolve) => listener.listen(port, "127.0.0.1", resolve));
    await using _strict = await startMcp({ SWITCHYARD_SUBJECT_PREFIX: "sy-strict", MCP_CONFIG_PATH: "", MCP_OUTBOUND_ALLOW: "" });
    const on: Bus = { nats, subjects: createSubjects("sy-strict") };
    const refused = { code: "invalid_request", message: expect.stringMatching(/ address( \S+)?, which outbound requests may not/) };
    const urls = [`http://127.0.0.1:${port}/mcp`, "http://169.254.169.254/mcp", "http://10.1.2.3/mcp", `http://localhost:${port}/mcp`];
    for (const [index, url] of urls.entries()) {
      await expect(ask("mcpAdd", { id: `ssrf-${index}`, url }, on), url).rejects.toMatchObject(refused);
      await expect(ask("mcpGet", { id: `ssrf-${index}` }, on)).rejects.toMatchObject({ code: "not_found" });
    }
    // Same Redis as the first service: a server it stored while 127.0.0.1 was allowed, refused where it connects.
    const restored = McpServerEntry.parse(await ask("mcpGet", { id: "remote-sse" }, on));
    expect(restored).toMatchObject({ isRunning: false, lastError: expect.stringContaining("127.0.0.1 is a loopback address") });
    expect(connections).toBe(0);
    expect(await listening(port)).toBe(true);
    await expect.poll(() => connections).toBe(1);
  });
});
