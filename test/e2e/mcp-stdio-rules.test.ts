import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { createSubjects, endpoints, McpServerEntry, McpServerList } from "@switchyard/contracts";
import { createMcpClient, type McpGrpcClient } from "@switchyard/grpc";
import { repoRoot, type ServiceProcess, startServiceProcess } from "@switchyard/local";
import { call, connectNats, type NatsConnection } from "@switchyard/nats";
import { createRedis } from "@switchyard/redis";
import { type Infra, serviceEnv, startInfra } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, loggedPid } from "./mcp-helpers.ts";

// Issue 16: over the API, a stdio server runs only what MCP_STDIO_ALLOW names; config-file servers are the operator's.
const everything = createRequire(join(repoRoot, "services", "mcp", "package.json")).resolve(
  "@modelcontextprotocol/server-everything/dist/index.js",
);
const everythingStdio = join(dirname(everything), "transports", "stdio.js");
const rule = "stdio servers added over the API must match MCP_STDIO_ALLOW";
const subjects = createSubjects("sy");
const work = mkdtempSync(join(tmpdir(), "switchyard-stdio-rules-"));
const sentinels = join(work, "sentinels");
const serverHome = join(work, "servers");
/** Scripts outside the directory the allow-list opens (`<work>/*.mjs`). */
const outside = join(work, "outside");
/** The payloads' own scripts and package, per sentinel directory. */
const payloads = (dir: string) => join(outside, basename(dir));
const mib = 1024 * 1024;
const allowList = [
  { command: process.execPath, args: [join(dirname(everything), "*.js"), "stdio"] },
  { command: process.execPath, args: [join(work, "*.mjs")] },
];

interface Hostile {
  id: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** Configs that ran their payload under the old rules, each pointed at `touch <dir>/<id>` (or a file write). */
function hostileConfigs(dir: string): Hostile[] {
  const target = (id: string) => join(dir, id);
  const file = join(payloads(dir), "package", "package.json");
  const write = (id: string) => `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(target(id))}, "");`;
  return [
    { id: "sed", command: "sed", args: ["-n", `1e touch ${target("sed")}`] },
    {
      id: "tar",
      command: "tar",
      args: ["-cf", "/dev/null", "--checkpoint=1", `--checkpoint-action=exec=touch ${target("tar")}`, file],
    },
    { id: "git", command: "git", args: ["-c", `alias.x=!touch ${target("git")}`, "x"] },
    { id: "perl", command: "perl", args: ["-d", "/dev/null"], env: { PERL5DB: `BEGIN{system("touch ${target("perl")}")}` } },
    { id: "node-import", command: process.execPath, args: [`--import=Data:text/javascript,${write("node-import")}`] },
    { id: "node-require", command: process.execPath, args: ["--require", join(payloads(dir), "node-require.cjs")] },
    { id: "node-r", command: process.execPath, args: ["-r", join(payloads(dir), "node-r.cjs")] },
    { id: "find", command: "find", args: [file, "-exec", "touch", target("find"), ";"] },
    { id: "xargs", command: "xargs", args: ["-a", "/dev/null", "touch", target("xargs")] },
    { id: "npx", command: "npx", args: ["--yes", join(payloads(dir), "package")] },
    { id: "touch", command: "touch", args: [target("touch")] },
    { id: "env", command: "env", args: ["touch", target("env")] },
    // A wildcard never crosses a slash: only scripts directly in <work> are allowed.
    { id: "beside", command: process.execPath, args: [join(payloads(dir), "beside.mjs")] },
  ];
}

/** The scripts and the local package the payloads run, each writing `<dir>/<id>`. */
function writePayloads(dir: string): void {
  const own = payloads(dir);
  mkdirSync(join(own, "package"), { recursive: true });
  const touchScript = (id: string) => `require("node:fs").writeFileSync(${JSON.stringify(join(dir, id))}, "");\n`;
  writeFileSync(join(own, "node-require.cjs"), touchScript("node-require"));
  writeFileSync(join(own, "node-r.cjs"), touchScript("node-r"));
  writeFileSync(
    join(own, "beside.mjs"),
    `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(join(dir, "beside"))}, "");\n`,
  );
  writeFileSync(join(own, "package", "index.js"), `#!/usr/bin/env node\n${touchScript("npx")}`, { mode: 0o755 });
  writeFileSync(
    join(own, "package", "package.json"),
    JSON.stringify({ name: "evil-mcp", version: "1.0.0", bin: { "evil-mcp": "index.js" } }),
  );
}

let infra: Infra;
let nats: NatsConnection;
let service: ServiceProcess;
let grpc: McpGrpcClient;

beforeAll(async () => {
  mkdirSync(sentinels);
  mkdirSync(outside);
  writePayloads(sentinels);
  // Not allowed over the API, and started from the config file all the same: a real MCP server that leaves a mark.
  const configServer = [
    'import { writeFileSync } from "node:fs";',
    `writeFileSync(${JSON.stringify(join(work, "config-ran"))}, "");`,
    `await import(${JSON.stringify(everythingStdio)});`,
  ];
  writeFileSync(join(outside, "config-server.mjs"), configServer.join("\n"));
  const config = { mcpServers: { "from-file": { command: process.execPath, args: [join(outside, "config-server.mjs")] } } };
  writeFileSync(join(work, "mcp.json"), JSON.stringify(config));
  infra = await startInfra();
  // Stored by an earlier version, which let anything through: it must not run again at this start.
  const redis = createRedis({ url: infra.redisUrl, name: "stdio-rules-seed" });
  const stored = {
    id: "stored",
    command: "find",
    args: [work, "-maxdepth", "0", "-exec", "touch", join(sentinels, "stored"), ";"],
    env: {},
  };
  await redis.hset("sy:mcp:servers", "stored", JSON.stringify(stored));
  await redis.quit();
  nats = await connectNats({ url: infra.natsUrl, name: "stdio-rules-test" });
  service = await startServiceProcess({
    service: "mcp",
    env: {
      ...serviceEnv(infra),
      MCP_GRPC_ADDRESS: "127.0.0.1:0",
      MCP_CONFIG_PATH: join(work, "mcp.json"),
      MCP_HANDSHAKE_TIMEOUT_MS: "8000",
      MCP_STDIO_ALLOW: JSON.stringify(allowList),
      MCP_SERVER_HOME: serverHome,
      MCP_STDIO_LIMIT_ADDRESS_SPACE_MB: "1536",
      MCP_STDIO_LIMIT_OPEN_FILES: "512",
      MCP_STDIO_LIMIT_PROCESSES: "2048",
    },
  });
  grpc = createMcpClient(`127.0.0.1:${service.ready.grpcPort}`);
});

afterAll(async () => {
  grpc?.close();
  await service?.stop();
  await nats?.close();
  await infra?.stop();
  rmSync(work, { recursive: true, force: true });
});

const options = { timeoutMs: 20_000 };
const bus = () => ({ nats, subjects });
const add = async (input: { id: string; command: string; args: string[]; env?: Record<string, string> }) =>
  McpServerEntry.parse(await call(bus(), endpoints.mcpAdd, input, options));
const refusal = (request: Promise<unknown>) =>
  request.then(
    () => expect.fail("accepted"),
    (error: unknown) => error,
  );

describe("stdio servers over the API", () => {
  it("refuses every hostile config with 400, naming the rule, before anything runs", async () => {
    for (const { id, ...server } of hostileConfigs(sentinels)) {
      const error = await refusal(call(bus(), endpoints.mcpAdd, { id: `h-${id}`, ...server }, options));
      expect(error, id).toMatchObject({ code: "invalid_request", param: "command" });
      expect(error, id).toHaveProperty("message", expect.stringContaining(`${rule}; '${server.command} `));
      const update = { id: "from-file", server: { id: "from-file", ...server } };
      const updateError = await refusal(call(bus(), endpoints.mcpUpdate, update, options));
      expect(updateError, id).toMatchObject({ code: "invalid_request", param: "server.command" });
    }
    const ids = McpServerList.parse(await call(bus(), endpoints.mcpAvailable, {}, options)).items.map((item) => item.id);
    expect(ids.filter((id) => id.startsWith("h-"))).toEqual([]);
    expect(readdirSync(sentinels)).toEqual([]);
  });

  it("still refuses dangerous variables and environment references for a command it allows", async () => {
    const preload = join(payloads(sentinels), "preload.cjs");
    writeFileSync(preload, `require("node:fs").writeFileSync(${JSON.stringify(join(sentinels, "node-options"))}, "");\n`);
    const allowed = { command: process.execPath, args: [everything, "stdio"] };
    const ref = (name: string) => `\${${name}}`;
    // Each with what its refusal names.
    const variables: [Record<string, string>, string][] = [
      [{ NODE_OPTIONS: `--require ${preload}` }, "NODE_OPTIONS"],
      [{ LD_PRELOAD: "/nonexistent.so" }, "LD_PRELOAD"],
      [{ PATH: "/tmp" }, "PATH"],
      [{ Path: "/tmp" }, "Path"],
      [{ PERL5DB: "BEGIN{}" }, "PERL5DB"],
      // These would point an allowed npx at another registry, or its TLS at any certificate.
      [{ npm_config_registry: "http://127.0.0.1:9" }, "npm_config_registry"],
      [{ NODE_TLS_REJECT_UNAUTHORIZED: "0" }, "NODE_TLS_REJECT_UNAUTHORIZED"],
      [{ TOKEN: ref("REDIS_URL") }, "REDIS_URL"],
      [{ TOKEN: ref("HOME") }, "cannot read the mcp service's environment"],
    ];
    for (const [index, [env, named]] of variables.entries()) {
      const error = await refusal(call(bus(), endpoints.mcpAdd, { id: `v-${index}`, ...allowed, env }, options));
      expect(error, named).toMatchObject({ code: "invalid_request", message: expect.stringContaining(named) });
    }
    const header = { id: "v-header", url: "http://127.0.0.1:9/mcp", headers: { Authorization: ref("REDIS_URL") } };
    await expect(call(bus(), endpoints.mcpAdd, header, options)).rejects.toMatchObject({ code: "invalid_request" });
    expect(readdirSync(sentinels)).toEqual([]);
  });

  it("keeps the payloads honest: run directly, each one does leave its file", () => {
    const control = join(work, "control");
    mkdirSync(control);
    writePayloads(control);
    // Only programs this machine has (a missing git or perl is no failure of the rules).
    const ran = hostileConfigs(control).filter(({ command, args, env }) => {
      const home = mkdtempSync(join(work, "control-home-"));
      const environment = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: home, ...env };
      const result = spawnSync(command, args, { cwd: home, env: environment, input: "line\n", stdio: "pipe", timeout: 60_000 });
      return !(result.error && "code" in result.error && result.error.code === "ENOENT");
    });
    expect(ran.length).toBeGreaterThan(8);
    expect(readdirSync(control).sort()).toEqual(ran.map(({ id }) => id).sort());
  });

  it("starts what the allow-list names, and its tools work", async () => {
    const added = await add({ id: "allowed", command: process.execPath, args: [everything, "stdio"], env: { GREETING: "hi" } });
    expect(added).toMatchObject({ isRunning: true, isConfig: false, transport: "stdio" });
    expect((await grpc.callTool("allowed", "echo", { message: "allowed" }, { deadlineMs: 20_000 })).text).toBe("Echo: allowed");
  });

  it("gives it resource limits, its own process group, only its environment and a directory of its own", async () => {
    const pid = loggedPid(service, "allowed") ?? 0;
    expect(pid).toBeGreaterThan(0);
    const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
    expect(limits).toMatch(new RegExp(`Max address space\\s+${1536 * mib}\\s+${1536 * mib}\\s+bytes`));
    expect(limits).toMatch(/Max open files\s+512\s+512\s+files/);
    expect(limits).toMatch(/Max processes\s+2048\s+2048\s+processes/);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [, , group, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect([Number(group), Number(session)]).toEqual([pid, pid]);
    const directory = readlinkSync(`/proc/${pid}/cwd`);
    expect(dirname(directory)).toBe(serverHome);
    expect(directory).toMatch(/\/runtime-allowed-\w+$/);
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).sort();
    expect(environ).toEqual(["GREETING=hi", `HOME=${directory}`, "PATH=/usr/local/bin:/usr/bin:/bin"]);
    // The config server's directory is another one.
    expect(readlinkSync(`/proc/${loggedPid(service, "from-file")}/cwd`)).toMatch(/\/config-from-file-\w+$/);

    await call(bus(), endpoints.mcpRemove, { id: "allowed" }, options);
    expect(existsSync(directory)).toBe(false);
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
  });

  it("stops the whole process group of a server it removes", async () => {
    const pids = join(work, "tree.pids");
    const script = [
      'import { spawn } from "node:child_process";',
      'import { writeFileSync } from "node:fs";',
      'const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });',
      `writeFileSync(${JSON.stringify(pids)}, String(child.pid));`,
      `await import(${JSON.stringify(everythingStdio)});`,
    ];
    writeFileSync(join(work, "tree.mjs"), script.join("\n"));
    expect((await add({ id: "tree", command: process.execPath, args: [join(work, "tree.mjs")] })).isRunning).toBe(true);
    const grandchild = Number(readFileSync(pids, "utf8"));
    expect(alive(grandchild)).toBe(true);
    await call(bus(), endpoints.mcpRemove, { id: "tree" }, options);
    await expect.poll(() => alive(grandchild), { timeout: 10_000 }).toBe(false);
  });
});

describe("servers the operator configured", () => {
  it("starts config-file servers the API could not add", async () => {
    expect(existsSync(join(work, "config-ran"))).toBe(true);
    const fromFile = McpServerEntry.parse(await call(bus(), endpoints.mcpGet, { id: "from-file" }, options));
    expect(fromFile).toMatchObject({ isConfig: true, isRunning: true });
    expect((await grpc.callTool("from-file", "echo", { message: "file" }, { deadlineMs: 20_000 })).text).toBe("Echo: file");
    const copy = { id: "copy", command: process.execPath, args: [join(outside, "config-server.mjs")] };
    await expect(call(bus(), endpoints.mcpAdd, copy, options)).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("never runs a stored server the allow-list does not name: it is listed failed, with the rule", async () => {
    const stored = McpServerEntry.parse(await call(bus(), endpoints.mcpGet, { id: "stored" }, options));
    expect(stored).toMatchObject({ isRunning: false, isConfig: false, lastError: expect.stringContaining(rule) });
    expect(existsSync(join(sentinels, "stored"))).toBe(false);
    expect(service.recentLines().some((line) => line.includes('"mcp.server.refused"') && line.includes('"stored"'))).toBe(true);
    expect(await call(bus(), endpoints.mcpRemove, { id: "stored" }, options)).toEqual({});
  });
});
