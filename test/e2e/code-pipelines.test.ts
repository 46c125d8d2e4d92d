import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamModels } from "./chat-helpers.ts";
import { executionEvents, waitForStatus } from "./execution-helpers.ts";
import { everythingMcpConfig } from "./helpers.ts";

// Hayhooks' code pipelines, in TypeScript: `POST /deploy_files` with a pipeline_wrapper.ts, run in the sandbox.
let system: TestSystem;
let upstream: Upstream;
let url: string;

beforeAll(async () => {
  upstream = await startUpstream();
  system = await startSystem({
    executors: 2,
    withMcp: true,
    env: {
      MCP_CONFIG_PATH: everythingMcpConfig("code"),
      SWITCHYARD_MODELS: upstreamModels(upstream.url),
      SANDBOX_CPU_MS: "300",
      SANDBOX_SETUP_MS: "1000",
      SANDBOX_MEMORY_BYTES: String(32 * 1024 * 1024),
    },
  });
  url = system.url();
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
});

const deployFiles = (name: string, files: Record<string, string>) =>
  requestJson(`${url}/deploy_files`, { body: { name, files, overwrite: true } });
const run = (name: string, body: Record<string, unknown> = {}) => requestJson(`${url}/${name}/run`, { body });

const chatWrapper = [
  'import { lastUserText } from "./lib/messages.ts";',
  "",
  'export const description = "Answers through the model, streamed";',
  'export const inputs = { question: { type: "string", description: "What to ask" }, times: { type: "integer", default: 1 } };',
  "",
  "export async function runApi(inputs: { question: string; times: number }, ctx: any) {",
  '  const answer = await ctx.llm.chat({ model: "remote", messages: [{ role: "user", content: inputs.question }] });',
  '  ctx.log("answered", inputs.question);',
  "  return answer.text.repeat(inputs.times);",
  "}",
  "",
  "export async function* runChatCompletion(messages: { role: string; content: string }[], body: { model: string }, ctx: any) {",
  '  yield "[" + body.model + "] ";',
  '  for await (const chunk of ctx.llm.stream({ model: "remote", messages: [{ role: "user", content: lastUserText(messages) }] })) {',
  '    if (chunk.type === "text") yield chunk.text;',
  "  }",
  "}",
].join("\n");
const messagesModule = [
  "export function lastUserText(messages: { role: string; content: string }[]): string {",
  '  return [...messages].reverse().find((message) => message.role === "user")?.content ?? "";',
  "}",
].join("\n");

describe("code pipelines", () => {
  it("deploys a TypeScript wrapper with deploy_files and answers /run with {result}, validating its declared inputs", async () => {
    const deployed = await deployFiles("asker", { "pipeline_wrapper.ts": chatWrapper, "lib/messages.ts": messagesModule });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
    expect(deployed.body).toMatchObject({
      status: "success",
      message: expect.stringContaining("asker"),
      success: true,
      endpoint: "/asker/run",
    });
    expect(await run("asker", { question: "hello", times: 2 })).toEqual({
      status: 200,
      body: { result: "echo: helloecho: hello" },
      headers: expect.anything(),
    });
    // The same at AgentSpec's path.
    expect((await requestJson(`${url}/v1/pipelines/asker/run`, { body: { question: "hi" } })).body).toEqual({ result: "echo: hi" });
    const missing = await run("asker", {});
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ error: { code: "invalid_input", param: "question" } });
    const wrongType = await run("asker", { question: "x", times: "two" });
    expect(wrongType.body).toMatchObject({ error: { code: "invalid_input", param: "times" } });
    // Its declarations are the pipeline's: the description and the input schema, as a YAML pipeline's.
    const listed = await requestJson(`${url}/v1/pipelines/asker`);
    expect(listed.body).toMatchObject({
      description: "Answers through the model, streamed",
      inputSchema: { properties: { question: { type: "string" }, times: { type: "integer" } }, required: ["question"] },
    });
  });

  it("serves runChatCompletion to the official openai client, streamed and not", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: system.adminKey, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain("asker");
    const whole = await client.chat.completions.create({ model: "asker", messages: [{ role: "user", content: "what is it" }] });
    expect(whole.choices[0]?.message.content).toBe("[asker] echo: what is it");
    const stream = await client.chat.completions.create({
      model: "asker",
      stream: true,
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "tell me more" },
      ],
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? "");
    expect(pieces.join("")).toBe("[asker] echo: tell me more");
    // Streamed a piece at a time, as the model gave them.
    expect(pieces.filter(Boolean).length).toBeGreaterThan(3);
  });

  it("answers a wrapper's string with {result: string}, and a JavaScript wrapper works as well", async () => {
    expect((await deployFiles("plain", { "pipeline_wrapper.js": 'export function runApi() { return "just text"; }' })).status).toBe(200);
    expect((await run("plain")).body).toEqual({ result: "just text" });
  });

  it("refuses a wrapper that does not compile with 422 naming the file and line, and stores nothing", async () => {
    const broken = await deployFiles("broken", {
      "pipeline_wrapper.ts": 'import { helper } from "./helper.ts";\nexport const runApi = () => helper();',
      "helper.ts": "export function helper() {\n  return 1 +;\n}",
    });
    expect(broken.status).toBe(422);
    expect(broken.body).toMatchObject({ error: { code: "invalid_definition", message: expect.stringMatching(/helper\.ts:2:\d+: /) } });
    expect((await requestJson(`${url}/status/broken`)).status).toBe(404);
    for (const [file, source, message] of [
      [
        "pipeline_wrapper.ts",
        'import fs from "fs";\nexport const runApi = () => fs.readFileSync("/etc/passwd", "utf8");',
        /'fs' cannot be imported/,
      ],
      [
        "pipeline_wrapper.js",
        'const fs = require("fs");\nexports.runApi = () => fs.readFileSync("/etc/passwd", "utf8");',
        /'fs' cannot be imported/,
      ],
      [
        "pipeline_wrapper.ts",
        'export const runApi = async () => (await import("node:child_process")).execSync("id");',
        /'node:child_process' cannot be imported/,
      ],
      ["pipeline_wrapper.ts", "export const nothing = 1;", /exports neither runApi\(\) nor runChatCompletion\(\)/],
    ] as const) {
      const refused = await deployFiles("hostile", { [file]: source });
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(refused.body).toMatchObject({ error: { message: expect.stringMatching(message) } });
    }
    expect((await requestJson(`${url}/status/hostile`)).status).toBe(404);
  });

  it("names the deployed file and line of a wrapper's own error at run time", async () => {
    const deployed = await deployFiles("thrower", {
      "pipeline_wrapper.ts":
        'import { check } from "./lib/check.ts";\nexport const runApi = (inputs: { n?: number }) => check(inputs.n ?? 0);',
      "lib/check.ts":
        'export function check(n: number): number {\n  if (n < 1) throw new RangeError("n must be positive");\n  return n;\n}',
    });
    expect(deployed.status).toBe(200);
    const failed = await run("thrower");
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({
      error: {
        code: "sandbox_error",
        message: expect.stringMatching(/^RangeError: n must be positive \(at check \(lib\/check\.ts:2:\d+\)\)$/),
      },
    });
  });

  it.each([
    ["an infinite loop", "export const runApi = () => { for (;;) {} };", /SANDBOX_CPU_MS/],
    [
      "a memory bomb",
      "export const runApi = () => { const a: number[][] = []; for (;;) a.push(new Array(1e5).fill(7)); };",
      /SANDBOX_MEMORY_BYTES/,
    ],
    ["process.env", "export const runApi = () => process.env.SWITCHYARD_ADMIN_KEY;", /'process' is not defined/],
    [
      "the Function constructor",
      "export const runApi = () => (globalThis.constructor.constructor as any)('return process')();",
      /dynamic code/,
    ],
    ["fetch", "export const runApi = () => fetch('http://127.0.0.1:1/');", /'fetch' is not defined/],
    ["a huge return value", "export const runApi = () => 'x'.repeat(2 * 1024 * 1024);", /SANDBOX_OUTPUT_BYTES/],
    [
      "a setup that never returns",
      "export const setup = () => new Promise(() => {});\nexport const runApi = () => 'never';",
      /SANDBOX_SETUP_MS/,
    ],
  ])("stops %s with a clear error while the executor keeps serving other runs", async (_name, source, message) => {
    const name = `hostile-${Math.random().toString(36).slice(2, 8)}`;
    expect((await deployFiles(name, { "pipeline_wrapper.ts": source })).status).toBe(200);
    const hostile = run(name);
    // Another run goes through while the hostile one runs (or right after it was stopped).
    expect((await run("plain")).body).toEqual({ result: "just text" });
    const answer = await hostile;
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ error: { code: "sandbox_error", message: expect.stringMatching(message) } });
    expect((await run("plain")).body).toEqual({ result: "just text" });
  });
});

describe("what a wrapper reaches, and where it runs", () => {
  it("calls MCP tools and other deployed pipelines through its context", async () => {
    const yaml = [
      "name: shout",
      "inputs: { text: { type: string } }",
      "components:",
      '  up: { type: template, template: "{{text}}!" }',
      "outputs: { text: up.text }",
    ];
    expect(
      (await requestJson(`${url}/deploy-yaml`, { body: { name: "shout", source_code: yaml.join("\n"), overwrite: true } })).status,
    ).toBe(200);
    const wrapper = [
      "export async function runApi(inputs: { text: string }, ctx: any) {",
      '  const echoed = await ctx.tools.call("everything", "echo", { message: inputs.text });',
      '  const shouted = await ctx.pipelines.run("shout", { text: inputs.text });',
      '  const plain = await ctx.pipelines.run("plain", {});',
      "  return { tool: echoed.text, pipeline: shouted.text, code: plain.result };",
      "}",
      'export const inputs = { text: { type: "string" } };',
    ].join("\n");
    expect((await deployFiles("reacher", { "pipeline_wrapper.ts": wrapper })).status).toBe(200);
    expect((await run("reacher", { text: "hey" })).body).toEqual({
      result: { tool: "Echo: hey", pipeline: "hey!", code: "just text" },
    });
    const missingTool = await deployFiles("lost", {
      "pipeline_wrapper.ts": 'export const runApi = (_: unknown, ctx: any) => ctx.tools.call("nowhere", "echo", {});',
    });
    expect(missingTool.status).toBe(200);
    expect((await run("lost")).body).toMatchObject({ error: { code: "sandbox_error", message: expect.stringContaining("nowhere") } });
  });

  it("runs in the background as any pipeline does, its streamed text in the execution's events", async () => {
    const streamer = 'export async function* runApi(inputs: { n: number }) { for (let i = 0; i < inputs.n; i++) yield "part" + i + " "; }';
    const declared = 'export const inputs = { n: { type: "integer" } };';
    expect((await deployFiles("streamer", { "pipeline_wrapper.ts": `${declared}\n${streamer}` })).status).toBe(200);
    const submitted = await requestJson(`${url}/v1/pipelines/streamer/runs`, { body: { n: 3 } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id = (submitted.body as { id: string }).id;
    const done = await waitForStatus(url, id, "succeeded");
    expect(done.result).toEqual({ result: "part0 part1 part2 " });
    const events = await executionEvents(url, id);
    expect(events.map((event) => event.event)).toEqual(["queued", "running", "delta", "delta", "delta", "succeeded"]);
  });

  it("is live on every executor once deployed, and a new version replaces the warm one", async () => {
    const version = (n: number) => ({ "pipeline_wrapper.ts": `let calls = 0;\nexport const runApi = () => "v${n} call " + ++calls;` });
    expect((await deployFiles("versioned", version(1))).status).toBe(200);
    // Runs go to whichever executor takes them: run until both have answered, every answer v1.
    const runOnBoth = async (pattern: RegExp) => {
      const seen = new Set<string>();
      for (let attempt = 0; attempt < 200 && seen.size < 2; attempt += 1) {
        const answer = await run("versioned");
        expect(answer.body).toEqual({ result: expect.stringMatching(pattern) });
        seen.add(answer.headers.get("x-switchyard-executor") ?? "");
      }
      return seen.size;
    };
    expect(await runOnBoth(/^v1 call \d+$/)).toBe(2);
    expect((await deployFiles("versioned", version(2))).status).toBe(200);
    // A fresh sandbox for the new version on both: its state starts again at 1.
    expect((await run("versioned")).body).toEqual({ result: expect.stringMatching(/^v2 call [12]$/) });
    expect(await runOnBoth(/^v2 call \d+$/)).toBe(2);
  });
});

describe("agent-runtimes' sandbox routes", () => {
  it("report the sandbox, change its limits on the executors, refuse other variants, and restart it", async () => {
    const status = await requestJson(`${url}/api/v1/agents/sandbox/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      variant: "quickjs-wasm",
      jupyter_url: null,
      jupyter_token_set: false,
      sandbox_running: true,
      limits: { cpu_ms: 300, memory_bytes: 32 * 1024 * 1024, setup_ms: 1000 },
    });
    const configured = await requestJson(`${url}/api/v1/agents/sandbox/configure`, { body: { variant: "quickjs-wasm", cpu_ms: 150 } });
    expect(configured.status, JSON.stringify(configured.body)).toBe(200);
    expect(configured.body).toMatchObject({ limits: { cpu_ms: 150 } });
    // The executor runs the next call under the new limit.
    expect((await deployFiles("spinner", { "pipeline_wrapper.ts": "export const runApi = () => { for (;;) {} };" })).status).toBe(200);
    expect((await run("spinner")).body).toMatchObject({ error: { message: expect.stringContaining("more than 150 ms of CPU") } });
    const jupyter = await requestJson(`${url}/api/v1/agents/sandbox/configure`, {
      body: { variant: "local-jupyter", jupyter_url: "http://localhost:8888?token=t" },
    });
    expect(jupyter.status).toBe(400);
    expect(jupyter.body).toMatchObject({ detail: expect.stringContaining("quickjs-wasm") });
    const restarted = await requestJson(`${url}/api/v1/agents/sandbox/restart`, { method: "POST" });
    expect(restarted.body).toMatchObject({ variant: "quickjs-wasm", calls: 0, limits: { cpu_ms: 150 } });
    expect((await run("plain")).body).toEqual({ result: "just text" });
    // Changing the sandbox is an admin's: a developer key reads it, and is refused the change.
    const created = await requestJson(`${url}/v1/keys`, { body: { name: "dev", role: "developer" } });
    const developer = { "x-api-key": (created.body as { secret: string }).secret };
    expect((await requestJson(`${url}/api/v1/agents/sandbox/status`, { headers: developer })).status).toBe(200);
    expect((await requestJson(`${url}/api/v1/agents/sandbox/restart`, { method: "POST", headers: developer })).status).toBe(403);
  });
});
