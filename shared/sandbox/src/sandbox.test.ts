import { AppError } from "@switchyard/errors";
import { afterAll, describe, expect, it } from "vitest";
import { compileWrapper } from "./compile.ts";
import { createSandboxPool, type SandboxHost } from "./pool.ts";

const limits = { cpuMs: 300, memoryBytes: 16 * 1024 * 1024, outputBytes: 64 * 1024, setupMs: 1000 };
const pool = createSandboxPool({ limits, workers: 2 });
afterAll(() => pool.close());

const calls: { op: string; payload: unknown }[] = [];
const host: SandboxHost = {
  call: async (op, payload) => {
    calls.push({ op, payload });
    if (op === "llm.chat") return { text: "from the model" };
    if (op === "emit") return null;
    throw new Error(`no ${op} here`);
  },
  log: () => {},
};

let version = 0;
async function runWrapper(source: string, fn: "runApi" | "runChatCompletion" = "runApi", args: unknown[] = [{}]) {
  const { bundle } = await compileWrapper({ "pipeline_wrapper.ts": source }, "pipeline_wrapper.ts");
  version += 1;
  return pool.run({ key: `test@${version}`, bundle, fn, args, deadlineMs: 5000 }, host);
}

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error instanceof AppError ? error : new AppError("internal", "not an AppError");
};

describe("compileWrapper", () => {
  it("bundles TypeScript and the deploy's relative imports, and names file and line of an error", async () => {
    const bundle = await compileWrapper(
      {
        "pipeline_wrapper.ts":
          'import { greet } from "./lib/greet";\nexport const runApi = (inputs: { name: string }) => greet(inputs.name);',
        "lib/greet.ts": 'export const greet = (name: string): string => "Hello, " + name;',
      },
      "pipeline_wrapper.ts",
    );
    expect(bundle.bundle).toContain("Hello, ");
    expect(bundle.sourceMap).toContain("deploy:lib/greet.ts");
    const broken = await failure(
      compileWrapper({ "pipeline_wrapper.ts": "export const x = 1;\nexport const runApi = ( => 2;" }, "pipeline_wrapper.ts"),
    );
    expect(broken.code).toBe("invalid_definition");
    expect(broken.message).toMatch(/pipeline_wrapper\.ts:2:\d+: /);
    const node = await failure(
      compileWrapper({ "pipeline_wrapper.ts": 'import fs from "fs";\nexport const runApi = () => fs;' }, "pipeline_wrapper.ts"),
    );
    expect(node.message).toMatch(/pipeline_wrapper\.ts:1:\d+: 'fs' cannot be imported/);
    const required = await failure(
      compileWrapper({ "pipeline_wrapper.js": 'const fs = require("fs");\nexports.runApi = () => fs;' }, "pipeline_wrapper.js"),
    );
    expect(required.message).toMatch(/'fs' cannot be imported/);
    const dynamic = await failure(
      compileWrapper({ "pipeline_wrapper.ts": 'export const runApi = () => import("node:child_process");' }, "pipeline_wrapper.ts"),
    );
    expect(dynamic.message).toMatch(/'node:child_process' cannot be imported/);
  });
});

describe("the sandbox pool", () => {
  it("describes a wrapper, runs runApi with its inputs and the model through the host", async () => {
    const { bundle } = await compileWrapper(
      {
        "pipeline_wrapper.ts": [
          'export const inputs = { name: { type: "string" } };',
          'export const description = "Greets";',
          "export async function runApi(inputs: { name: string }, ctx: any) {",
          '  const answer = await ctx.llm.chat({ model: "m", messages: [{ role: "user", content: inputs.name }] });',
          "  return 'Hello, ' + inputs.name + ': ' + answer.text;",
          "}",
        ].join("\n"),
      },
      "pipeline_wrapper.ts",
    );
    expect(await pool.describe(bundle)).toEqual({
      inputs: { name: { type: "string" } },
      description: "Greets",
      functions: { setup: false, runApi: true, runChatCompletion: false },
    });
    const first = await pool.run({ key: "greet@1", bundle, fn: "runApi", args: [{ name: "Ada" }], deadlineMs: 5000 }, host);
    expect(first).toMatchObject({ output: { value: "Hello, Ada: from the model" }, cold: true });
    const second = await pool.run({ key: "greet@1", bundle, fn: "runApi", args: [{ name: "Bo" }], deadlineMs: 5000 }, host);
    expect(second).toMatchObject({ output: { value: "Hello, Bo: from the model" }, cold: false });
  });

  it("streams an async generator's chunks through emit", async () => {
    calls.length = 0;
    const streamed = await runWrapper(
      'export async function* runChatCompletion(messages: any[]) { yield "a"; yield { choices: [{ delta: { content: "b" } }] }; }',
      "runChatCompletion",
      [[{ role: "user", content: "hi" }], {}],
    );
    expect(streamed.output).toEqual({ streamed: true });
    expect(calls.filter((call) => call.op === "emit").map((call) => call.payload)).toEqual(["a", "b"]);
  });

  it.each([
    ["an infinite loop", "export const runApi = () => { for (;;) {} };", /more than 300 ms of CPU \(SANDBOX_CPU_MS\)/],
    [
      "a memory bomb",
      "export const runApi = () => { const a: Uint8Array[] = []; for (;;) a.push(new Uint8Array(1 << 20)); };",
      /SANDBOX_MEMORY_BYTES/,
    ],
    [
      "an array bomb",
      "export const runApi = () => { const a: number[][] = []; for (;;) a.push(new Array(1e5).fill(0)); };",
      /SANDBOX_MEMORY_BYTES/,
    ],
    [
      "a require it finds at run time",
      "export const runApi = () => { const r = 're' + 'quire'; return (globalThis as any)[r]('fs'); };",
      /not a function/,
    ],
    ["process.env", "export const runApi = () => process.env.HOME;", /'process' is not defined/],
    [
      "the Function constructor",
      "export const runApi = () => (globalThis.constructor.constructor as any)('return process')();",
      /dynamic code/,
    ],
    ["eval", "export const runApi = () => (0, eval)('1 + 1');", /dynamic code/],
    ["fetch", "export const runApi = () => fetch('http://example.com');", /'fetch' is not defined/],
    ["setTimeout", "export const runApi = () => new Promise((resolve) => setTimeout(resolve, 1));", /'setTimeout' is not defined/],
    ["a huge return value", "export const runApi = () => 'x'.repeat(1024 * 1024);", /SANDBOX_OUTPUT_BYTES/],
    ["a setup that never returns", "export const setup = () => new Promise(() => {});\nexport const runApi = () => 1;", /SANDBOX_SETUP_MS/],
    ["a setup that spins", "export const setup = () => { for (;;) {} };\nexport const runApi = () => 1;", /SANDBOX_CPU_MS/],
    ["a top-level loop", "for (;;) {}\nexport const runApi = () => 1;", /SANDBOX_CPU_MS/],
  ])("stops %s with a clear error", async (_name, source, message) => {
    const error = await failure(runWrapper(source));
    expect(error.code).toBe("sandbox_error");
    expect(error.message).toMatch(message);
  });

  it("keeps serving other calls while one spins", async () => {
    const spinning = failure(runWrapper("export const runApi = () => { for (;;) {} };"));
    const quick = await runWrapper("export const runApi = () => 42;");
    expect(quick.output).toEqual({ value: 42 });
    expect((await spinning).code).toBe("sandbox_error");
  });

  it("cancels a call that waits on the host", async () => {
    const { bundle } = await compileWrapper(
      { "pipeline_wrapper.ts": "export const runApi = (_: unknown, ctx: any) => ctx.llm.chat({ model: 'slow' });" },
      "pipeline_wrapper.ts",
    );
    const controller = new AbortController();
    const waiting: SandboxHost = { call: () => new Promise(() => {}), log: () => {} };
    const pending = pool.run({ key: "cancel@1", bundle, fn: "runApi", args: [{}], deadlineMs: 5000, signal: controller.signal }, waiting);
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe("cancelled");
  });
});
