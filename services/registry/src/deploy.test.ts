import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DefinitionRecord, DeployRequest } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { McpGrpcClient } from "@switchyard/grpc";
import { type LocalServer, startRedisServer } from "@switchyard/local";
import { createRedis, type Redis } from "@switchyard/redis";
import { createSandboxPool } from "@switchyard/sandbox";
import { createLogger, initTelemetry, type Telemetry } from "@switchyard/telemetry";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeployer } from "./deploy.ts";
import { createDefinitionStore, type DefinitionStore } from "./store.ts";

let dataDir = "";
let server: LocalServer | undefined;
let redis: Redis | undefined;
let telemetry: Telemetry | undefined;
const logger = createLogger({ service: "registry-deploy-test", level: "silent" });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "switchyard-registry-deploy-"));
  server = await startRedisServer({ dataDir });
  redis = createRedis({ url: server.url, name: "registry-deploy-test" });
  telemetry = initTelemetry({ serviceName: "registry-deploy-test" });
});

afterAll(async () => {
  redis?.disconnect();
  await telemetry?.shutdown();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await connected().flushall();
});

function connected(): Redis {
  if (!redis) throw new Error("redis is not connected");
  return redis;
}

function realStore(): DefinitionStore {
  if (!telemetry) throw new Error("telemetry is not initialised");
  return createDefinitionStore(connected(), telemetry.tracer, 100);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An mcp service whose servers list one tool, after `delayMs`. */
function fakeMcp(delayMs = 0): McpGrpcClient {
  return {
    listTools: async () => {
      await sleep(delayMs);
      return [{ name: "echo", description: "", inputSchema: { type: "object" } }];
    },
    callTool: async () => {
      throw new Error("not called at deploy");
    },
    close: () => {},
  };
}

const sandbox = createSandboxPool({ limits: { cpuMs: 500, memoryBytes: 16 * 1024 * 1024, outputBytes: 65536, setupMs: 1000 }, workers: 1 });
afterAll(() => sandbox.close());

function deployer(options: { store?: DefinitionStore; mcp?: McpGrpcClient; timeoutMs?: number } = {}) {
  const announced: DefinitionRecord[] = [];
  const deploy = createDeployer({
    store: options.store ?? realStore(),
    modelAliases: ["default"],
    mcp: options.mcp ?? fakeMcp(),
    timeoutMs: options.timeoutMs ?? 4000,
    announce: async (record) => {
      announced.push(record);
    },
    logger,
    sandbox,
  });
  return { deploy, announced };
}

/** A pipeline of `width` components: templates, or `pipeline` components calling `calls`. */
function fan(name: string, width: number, calls?: string): DeployRequest {
  const lines = Array.from({ length: width }, (_, index) =>
    calls ? `  c${index}: { type: pipeline, pipeline: ${calls} }` : `  c${index}: { type: template, template: x }`,
  );
  return { name, source: ["components:", ...lines, "outputs: { text: c0.text }"].join("\n"), overwrite: false };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => new Error("expected a rejection"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof AppError)) throw outcome;
  return outcome;
}

describe("deploy: expanded work", () => {
  it("refuses the fourth level of a 20-wide fan-out (16,420 components; the issue's fifth made 160,000 leaf runs) at once, reading each pipeline once", async () => {
    const store = realStore();
    let reads = 0;
    const counting: DefinitionStore = {
      ...store,
      get: (name) => {
        reads += 1;
        return store.get(name);
      },
    };
    const { deploy } = deployer({ store: counting });
    await deploy(fan("leaf", 1));
    await deploy(fan("l3", 20, "leaf"));
    await deploy(fan("l2", 20, "l3"));
    reads = 0;
    const started = performance.now();
    const error = await rejection(deploy(fan("l1", 20, "l2")));
    const elapsed = performance.now() - started;
    expect(error.code).toBe("invalid_definition");
    expect(error.message).toMatch(/a run of 'l1' would run 16,420 components .* past the limit of 10,000/);
    expect(reads).toBe(3);
    expect(await store.get("l1")).toBeNull();
    console.info(`fourth level of a 20-wide fan-out refused in ${elapsed.toFixed(1)} ms with ${reads} store reads`);
  });

  it("accepts a moderate two-level fan-out", async () => {
    const { deploy, announced } = deployer();
    await deploy(fan("leaf", 20));
    const record = await deploy(fan("mid", 20, "leaf"));
    expect(record).toMatchObject({ name: "mid", version: 1 });
    expect(announced.map((entry) => entry.name)).toEqual(["leaf", "mid"]);
  });
});

describe("deploy: never stored after its deadline", () => {
  it("stores nothing when validation (an MCP check) outlasts the deadline", async () => {
    const store = realStore();
    const { deploy, announced } = deployer({ store, mcp: fakeMcp(150), timeoutMs: 50 });
    const agent = "kind: agent\nname: helper\ninstructions: hi\ntools:\n  - mcp: everything\n";
    const error = await rejection(deploy({ source: agent, overwrite: false }));
    expect(error.code).toBe("timeout");
    expect(error.message).toMatch(/not stored: checking it took longer than the registry's deploy deadline of 50 ms/);
    expect(await store.get("helper")).toBeNull();
    expect(await connected().hlen("sy:registry:definitions")).toBe(0);
    expect(await connected().exists("sy:registry:versions")).toBe(0);
    expect(announced).toEqual([]);
  });

  it("stores nothing when the step right before the write outlasts the deadline", async () => {
    const store = realStore();
    const slowRead: DefinitionStore = {
      ...store,
      get: async (name) => {
        await sleep(150);
        return store.get(name);
      },
    };
    const { deploy, announced } = deployer({ store: slowRead, timeoutMs: 50 });
    const error = await rejection(deploy({ ...fan("slow", 1), overwrite: true }));
    expect(error.code).toBe("timeout");
    // Give a late write the time it would have needed: there is none.
    await sleep(100);
    expect(await store.get("slow")).toBeNull();
    expect(await connected().hlen("sy:registry:definitions")).toBe(0);
    expect(announced).toEqual([]);
  });

  it("stores a deploy that finishes in time, MCP check included", async () => {
    const store = realStore();
    const { deploy, announced } = deployer({ store, mcp: fakeMcp(10), timeoutMs: 2000 });
    const record = await deploy({ source: "kind: agent\nname: helper\ninstructions: hi\ntools:\n  - mcp: everything\n", overwrite: false });
    expect(record).toMatchObject({ name: "helper", kind: "agent", version: 1 });
    expect(await store.get("helper")).toEqual(record);
    expect(announced).toEqual([record]);
  });
});

describe("deploy: client errors are 422", () => {
  it("refuses malformed Mustache with invalid_definition naming the component", async () => {
    const { deploy } = deployer();
    const unclosed = await rejection(
      deploy({
        name: "t",
        source: "components:\n  a: { type: template, template: '{{#a}}' }\noutputs: { text: a.text }",
        overwrite: false,
      }),
    );
    expect(unclosed).toMatchObject({ code: "invalid_definition", param: "components.a.template" });
    const unopened = await rejection(
      deploy({
        name: "t",
        source: "components:\n  b: { type: template, template: '{{/b}}' }\noutputs: { text: b.text }",
        overwrite: false,
      }),
    );
    expect(unopened.message).toMatch(/components\.b\.template is not a valid template: Unopened section "b"/);
  });

  it("refuses malformed agent instructions with invalid_definition", async () => {
    const { deploy } = deployer();
    const error = await rejection(deploy({ source: "kind: agent\nname: helper\ninstructions: '{{#persona}}'\n", overwrite: false }));
    expect(error).toMatchObject({ code: "invalid_definition", param: "instructions" });
  });

  it("refuses Object.prototype names as component names", async () => {
    const { deploy } = deployer();
    const error = await rejection(
      deploy({
        name: "t",
        source: "components:\n  constructor: { type: template, template: x }\noutputs: { text: constructor.text }",
        overwrite: false,
      }),
    );
    expect(error).toMatchObject({ code: "invalid_definition", param: "components.constructor" });
  });
});
