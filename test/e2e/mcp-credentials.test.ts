import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSubjects, endpoints, JsonObject, type McpServerEntry, parseJsonOrUndefined } from "@switchyard/contracts";
import { createMcpClient, type McpGrpcClient } from "@switchyard/grpc";
import { repoRoot, type ServiceProcess, type StartedPlan, startPlan } from "@switchyard/local";
import { type Bus, call, connectNats, type NatsConnection } from "@switchyard/nats";
import { createRedis } from "@switchyard/redis";
import { type Infra, randomKey, randomSecretKey, serviceEnv, startInfra } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, loggedPid } from "./mcp-helpers.ts";

const everything = createRequire(join(repoRoot, "services", "mcp", "package.json")).resolve(
  "@modelcontextprotocol/server-everything/dist/index.js",
);
/** A `${credential:NAME}` reference to the credentials store. */
const cred = (name: string) => `\${credential:${name}}`;
/** A `${NAME}` reference to the mcp service's environment. */
const ref = (name: string) => `\${${name}}`;
const subjects = createSubjects("sy");
const work = mkdtempSync(join(tmpdir(), "switchyard-mcp-credentials-"));
/** The plaintexts: neither may show up anywhere but in the servers' own environment. */
const first = `first-secret-${randomUUID()}`;
const second = `second-secret-${randomUUID()}`;
const everythingServer = (env: Record<string, string>) => ({ command: process.execPath, args: [everything, "stdio"], env });

interface ServerChanged {
  id: string;
  isRunning: boolean;
  text: string;
}

let infra: Infra;
let nats: NatsConnection;
let plan: StartedPlan;
let mcp: ServiceProcess;
let access: ServiceProcess;
let grpc: McpGrpcClient;
const events: ServerChanged[] = [];

beforeAll(async () => {
  writeFileSync(
    join(work, "mcp.json"),
    JSON.stringify({
      mcpServers: {
        demo: everythingServer({ TOKEN: cred("demo"), PLAIN: "plain" }),
        absent: everythingServer({ TOKEN: cred("never-stored") }),
      },
    }),
  );
  infra = await startInfra();
  nats = await connectNats({ url: infra.natsUrl, name: "mcp-credentials-test" });
  nats.subscribe(subjects.event("mcpServerChanged"), {
    callback: (_error, message) => {
      const event = parseJsonOrUndefined(JsonObject, message.string());
      if (typeof event?.id === "string" && typeof event.isRunning === "boolean") {
        events.push({ id: event.id, isRunning: event.isRunning, text: message.string() });
      }
    },
  });
  plan = await startPlan({
    env: serviceEnv(infra),
    services: {
      access: { env: { SWITCHYARD_ADMIN_KEY: randomKey(), SWITCHYARD_SECRET_KEY: randomSecretKey() } },
      // Debug logging: the most the service ever writes is checked for the plaintext.
      mcp: { env: { MCP_CONFIG_PATH: join(work, "mcp.json"), MCP_HANDSHAKE_TIMEOUT_MS: "8000", LOG_LEVEL: "debug" } },
    },
  });
  const [mcpProcess] = plan.processes.mcp;
  const [accessProcess] = plan.processes.access;
  if (!mcpProcess || !accessProcess) throw new Error("the plan started no mcp or access service");
  mcp = mcpProcess;
  access = accessProcess;
  grpc = createMcpClient(`127.0.0.1:${mcp.ready.grpcPort}`);
});

afterAll(async () => {
  grpc?.close();
  await plan?.stop();
  await nats?.close();
  await infra?.stop();
  rmSync(work, { recursive: true, force: true });
});

const options = { timeoutMs: 20_000 };
const bus = (): Bus => ({ nats, subjects });
const get = (id: string) => call(bus(), endpoints.mcpGet, { id }, options);
const putCredential = (name: string, value: string) => call(bus(), endpoints.accessCredentialPut, { name, value, type: "mcp" }, options);

/** What server `id`'s process has in its environment, from server-everything's `get-env` tool; undefined while it can't answer. */
async function serverEnv(id: string): Promise<JsonObject | undefined> {
  try {
    const result = await grpc.callTool(id, "get-env", {}, { deadlineMs: 10_000 });
    return parseJsonOrUndefined(JsonObject, result.text);
  } catch {
    return undefined;
  }
}
const token = async (id: string) => (await serverEnv(id))?.TOKEN;

describe("MCP server secrets from the credentials store", () => {
  it("reports a server whose credential is missing as failed, naming the credential, and lists no environment variable", async () => {
    await expect
      .poll(() => get("absent"), { timeout: 20_000 })
      .toMatchObject({
        isRunning: false,
        lastError: "missing credential never-stored in the credentials store",
        requiredEnvVars: [],
      });
    expect(await get("demo")).toMatchObject({ isRunning: false, lastError: "missing credential demo in the credentials store" });
  });

  it("starts a server once its credential is stored, with the value in its environment, restarting no process", async () => {
    const stored = await putCredential("demo", first);
    expect(JSON.stringify(stored)).not.toContain(first);
    await expect.poll(() => get("demo"), { timeout: 20_000 }).toMatchObject({ isRunning: true });
    const env = await serverEnv("demo");
    expect(env).toMatchObject({ TOKEN: first, PLAIN: "plain", PATH: "/usr/local/bin:/usr/bin:/bin" });
    expect(mcp.child.exitCode).toBeNull();
    expect(access.child.exitCode).toBeNull();
  });

  it("lets a server added over the API name a credential, but still not an environment variable", async () => {
    const added: McpServerEntry = await call(
      bus(),
      endpoints.mcpAdd,
      { id: "api-demo", ...everythingServer({ TOKEN: cred("demo") }) },
      options,
    );
    expect(added).toMatchObject({ id: "api-demo", isRunning: true, requiredEnvVars: [] });
    expect(JSON.stringify(added)).not.toContain(first);
    expect(await token("api-demo")).toBe(first);

    const environment = call(bus(), endpoints.mcpAdd, { id: "api-env", ...everythingServer({ TOKEN: ref("HOME") }) }, options);
    await expect(environment).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringContaining(
        `cannot read the mcp service's environment; store the secret as a credential and use ${cred("NAME")}`,
      ),
    });
    const glued = call(bus(), endpoints.mcpAdd, { id: "api-glued", ...everythingServer({ TOKEN: `Bearer ${cred("demo")}` }) }, options);
    await expect(glued).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringContaining("env TOKEN: a credential reference must be the whole value"),
    });
    for (const id of ["api-env", "api-glued"]) await expect(get(id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("relaunches every server naming a replaced credential with the new value, restarting no service", async () => {
    const before = { demo: loggedPid(mcp, "demo"), api: loggedPid(mcp, "api-demo") };
    const servicePids = { mcp: mcp.child.pid, access: access.child.pid };
    const mark = events.length;
    await putCredential("demo", second);
    await expect.poll(() => token("demo"), { timeout: 20_000 }).toBe(second);
    await expect.poll(() => token("api-demo"), { timeout: 20_000 }).toBe(second);
    const after = { demo: loggedPid(mcp, "demo"), api: loggedPid(mcp, "api-demo") };
    expect(after.demo).not.toBe(before.demo);
    expect(after.api).not.toBe(before.api);
    for (const pid of [before.demo, before.api]) {
      if (pid !== undefined) await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
    }
    // Subscribers saw each go down and come back.
    for (const id of ["demo", "api-demo"]) {
      const seen = events.slice(mark).filter((event) => event.id === id);
      const down = seen.findIndex((event) => !event.isRunning);
      expect(down, id).toBeGreaterThanOrEqual(0);
      expect(
        seen.slice(down).some((event) => event.isRunning),
        id,
      ).toBe(true);
    }
    expect({ mcp: mcp.child.pid, access: access.child.pid }).toEqual(servicePids);
    expect(mcp.child.exitCode).toBeNull();
    expect(access.child.exitCode).toBeNull();
  });

  it("scrubs the credential from an error message the server sends back", async () => {
    // An unknown tool is named in the error: here its name carries the credential's value, as an echoing server would.
    const failure = await grpc.callTool("demo", `missing-${second}`, {}, { deadlineMs: 10_000 }).then(
      () => new Error("expected the call to fail"),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = failure instanceof Error ? failure.message : "";
    expect(message).toContain("missing-[REDACTED]");
    expect(message).not.toContain(second);
  });

  it("fails the servers of a deleted credential, naming it", async () => {
    await call(bus(), endpoints.accessCredentialDelete, { name: "demo" }, options);
    for (const id of ["demo", "api-demo"]) {
      await expect
        .poll(() => get(id), { timeout: 20_000 })
        .toMatchObject({
          isRunning: false,
          lastError: "missing credential demo in the credentials store",
        });
    }
  });

  it("keeps the plaintext out of the mcp service's log, Redis, entries and change events", async () => {
    const lines = mcp.recentLines();
    // The log did record the changes: the check below is not vacuous.
    expect(lines.some((line) => line.includes('"mcp.server.restarting"') && line.includes('"credential":"demo"'))).toBe(true);
    for (const plaintext of [first, second]) expect(lines.filter((line) => line.includes(plaintext))).toEqual([]);

    const redis = createRedis({ url: infra.redisUrl, name: "mcp-credentials-scan" });
    const texts: string[] = [];
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
        cursor = next;
        for (const key of keys) {
          texts.push(key);
          const type = await redis.type(key);
          if (type === "string") texts.push((await redis.get(key)) ?? "");
          if (type === "hash") texts.push(...Object.entries(await redis.hgetall(key)).flat());
          if (type === "list") texts.push(...(await redis.lrange(key, 0, -1)));
          if (type === "set") texts.push(...(await redis.smembers(key)));
          if (type === "zset") texts.push(...(await redis.zrange(key, 0, -1)));
          if (type === "stream") texts.push(JSON.stringify(await redis.xrange(key, "-", "+")));
        }
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }
    // The API server is stored with its reference, not the value.
    expect(texts.some((text) => text.includes('"api-demo"') && text.includes(JSON.stringify(cred("demo"))))).toBe(true);
    for (const plaintext of [first, second]) expect(texts.filter((text) => text.includes(plaintext))).toEqual([]);

    const shown = JSON.stringify([
      await call(bus(), endpoints.mcpAvailable, {}, options),
      await call(bus(), endpoints.mcpConfig, {}, options),
      await call(bus(), endpoints.mcpList, {}, options),
      events,
    ]);
    for (const plaintext of [first, second]) expect(shown).not.toContain(plaintext);
  });
});
