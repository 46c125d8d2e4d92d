import type { McpToolResult } from "@switchyard/contracts";
import { analyzePipeline, parsePipelineSource, renderLimits } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import { describe, expect, it } from "vitest";
import type { ToolCaller } from "./components/index.ts";
import { runTool } from "./components/tool.ts";
import type { CachedPipeline } from "./definitions-cache.ts";
import { type EngineDeps, runPipeline } from "./engine.ts";
import type { ChatProvider, ProviderSet } from "./providers/index.ts";

function entry(name: string, source: string): CachedPipeline {
  const definition = parsePipelineSource(source, name);
  return { kind: "pipeline", name, version: 1, definition, graph: analyzePipeline(definition, { modelAliases: ["default"] }) };
}

/** A pipeline of `width` components: llm ones, or `pipeline` components calling `calls`. */
function fan(name: string, width: number, calls?: string): CachedPipeline {
  const lines = Array.from({ length: width }, (_, index) =>
    calls ? `  c${index}: { type: pipeline, pipeline: ${calls} }` : `  c${index}: { type: llm, prompt: inputs.q }`,
  );
  return entry(name, [calls ? "" : "inputs: { q: { default: x } }", "components:", ...lines, "outputs: { text: c0.text }"].join("\n"));
}

function countingProvider() {
  const state = { calls: 0 };
  const provider: ChatProvider = {
    async *stream() {
      state.calls += 1;
      yield { type: "text", text: "ok" };
    },
  };
  const providers: ProviderSet = { get: () => provider };
  return { providers, state };
}

function recordingTools() {
  const calls: { server: string; tool: string; args: Record<string, unknown> }[] = [];
  const tools: ToolCaller = {
    call: async (server, tool, args): Promise<McpToolResult> => {
      calls.push({ server, tool, args });
      return { text: "called", content: [], structured: null, isError: false };
    },
    list: async () => [],
  };
  return { tools, calls };
}

function deps(pipelines: CachedPipeline[], providers: ProviderSet, tools: ToolCaller = recordingTools().tools): EngineDeps {
  const byName = new Map(pipelines.map((pipeline) => [pipeline.name, pipeline]));
  return {
    providers,
    tools,
    definition: async (name) => {
      const found = byName.get(name);
      if (!found) throw new AppError("not_found", `'${name}' is not deployed`);
      return found;
    },
  };
}

const options = (signal = new AbortController().signal) => ({ signal, onDelta: () => {} });

describe("the engine's bounds on work", () => {
  it("refuses a 4x20 fan-out (160,000 leaf runs) before running any component", async () => {
    const { providers, state } = countingProvider();
    const pipelines = [fan("l1", 20, "l2"), fan("l2", 20, "l3"), fan("l3", 20, "leaf"), fan("leaf", 1)];
    const top = fan("top", 20, "l1");
    await expect(runPipeline(deps(pipelines, providers), top, {}, options())).rejects.toMatchObject({
      code: "invalid_definition",
      message: expect.stringMatching(/would run 328,420 components .* past the limit of 10,000/),
    });
    expect(state.calls).toBe(0);
  });

  it("refuses before any model call a fan-out of 9,600 leaf runs whose 420 pipeline components take it past the limit", async () => {
    const { providers, state } = countingProvider();
    const pipelines = [fan("mid", 20, "leaf"), fan("leaf", 24)];
    await expect(runPipeline(deps(pipelines, providers), fan("top", 20, "mid"), {}, options())).rejects.toMatchObject({
      code: "invalid_definition",
      message: expect.stringMatching(/would run 10,020 components .* past the limit of 10,000/),
    });
    expect(state.calls).toBe(0);
  });

  it("runs a moderate two-level fan-out whole", async () => {
    const { providers, state } = countingProvider();
    const result = await runPipeline(deps([fan("l1", 10, "l2"), fan("l2", 10)], providers), fan("top", 10, "l1"), {}, options());
    expect(result).toEqual({ text: "ok" });
    expect(state.calls).toBe(1000);
  });

  it("stops the 1,300-item triple-nested template with invalid_input, naming the component", async () => {
    const pipeline = entry(
      "nested",
      [
        "inputs: { items: { type: array } }",
        "components:",
        "  t: { type: template, template: '{{#items}}{{#items}}{{#items}}{{/items}}{{/items}}{{/items}}' }",
        "outputs: { text: t.text }",
      ].join("\n"),
    );
    const items = Array.from({ length: 1300 }, (_, index) => index);
    const running = runPipeline(deps([pipeline], countingProvider().providers), pipeline, { items }, options());
    await expect(running).rejects.toMatchObject({
      code: "invalid_input",
      message: "component 't': the template exceeded its rendering budget of 1,000,000 steps",
      details: { steps: renderLimits.steps + 1, limit: renderLimits.steps },
    });
  });

  it("lets the deadline stop a run of many bounded but slow template components", async () => {
    // 200 independent components, each about 160,000 steps: seconds of rendering in all.
    const lines = Array.from(
      { length: 200 },
      (_, index) => `  t${index}: { type: template, template: '{{#items}}{{#items}}.{{/items}}{{/items}}' }`,
    );
    const pipeline = entry(
      "many",
      ["inputs: { items: { type: array } }", "components:", ...lines, "outputs: { text: t0.text }"].join("\n"),
    );
    const items = Array.from({ length: 400 }, (_, index) => index);
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new AppError("timeout", "run exceeded its deadline of 30 ms")), 30);
    let done = 0;
    const running = runPipeline(
      deps([pipeline], countingProvider().providers),
      pipeline,
      { items },
      {
        ...options(controller.signal),
        onComponentDone: () => {
          done += 1;
        },
      },
    );
    await expect(running).rejects.toMatchObject({ code: "timeout", message: "run exceeded its deadline of 30 ms" });
    clearTimeout(deadline);
    expect(done).toBeLessThan(100);
  });

  it("waits for the components a tool's arguments name, and renders them", async () => {
    const { tools, calls } = recordingTools();
    const pipeline = entry(
      "tooling",
      [
        "inputs: { q: {} }",
        "components:",
        "  first: { type: template, template: '<{{ q }}>' }",
        "  call: { type: tool, server: s, tool: t, arguments: { text: '{{ first.text }}!', n: '{{ q }}' } }",
        "outputs: { text: call.text }",
      ].join("\n"),
    );
    expect(await runPipeline(deps([pipeline], countingProvider().providers, tools), pipeline, { q: "x" }, options())).toEqual({
      text: "called",
    });
    expect(calls).toEqual([{ server: "s", tool: "t", args: { text: "<x>!", n: "x" } }]);
  });

  it("does not call a tool once the run is aborted", async () => {
    const { tools, calls } = recordingTools();
    const controller = new AbortController();
    controller.abort(new AppError("cancelled", "the run was cancelled by its client"));
    const context = {
      name: "call",
      signal: controller.signal,
      view: {},
      resolve: () => undefined,
      streaming: false,
      emit: async () => {},
      emitToolCall: async () => {},
      providers: countingProvider().providers,
      tools,
      runPipeline: async () => ({}),
    };
    await expect(runTool({ type: "tool", server: "s", tool: "t", arguments: { a: "b" } }, context)).rejects.toMatchObject({
      code: "cancelled",
    });
    expect(calls).toEqual([]);
  });
});
