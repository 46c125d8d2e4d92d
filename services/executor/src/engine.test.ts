import { analyzePipeline, parsePipelineSource } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import { describe, expect, it } from "vitest";
import type { ToolCaller } from "./components/index.ts";
import type { CachedPipeline } from "./definitions-cache.ts";
import { runPipeline } from "./engine.ts";
import type { ChatProvider, ProviderSet } from "./providers/index.ts";

const aliases = ["default", "echo", "gate"];

function entry(name: string, source: string): CachedPipeline {
  const definition = parsePipelineSource(source, name);
  return { kind: "pipeline", name, version: 1, definition, graph: analyzePipeline(definition, { modelAliases: aliases }) };
}

/** A provider whose calls finish only when the test opens the gate: shows what runs at once. */
function gatedProvider() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const state = { running: 0, peak: 0, open };
  const provider: ChatProvider = {
    async *stream(request, signal) {
      state.running += 1;
      state.peak = Math.max(state.peak, state.running);
      await Promise.race([
        opened,
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true })),
      ]).finally(() => {
        state.running -= 1;
      });
      yield { type: "text", text: `<${request.messages.at(-1)?.content}>` };
    },
  };
  return { provider, state };
}

const noTools: ToolCaller = {
  call: async () => {
    throw new Error("no tools in these tests");
  },
  list: async () => [],
};

function providers(provider: ChatProvider): ProviderSet {
  return { get: () => provider };
}

const fanOut = entry(
  "fan",
  [
    "inputs: { q: {} }",
    "components:",
    "  a: { type: llm, model: gate, prompt: inputs.q }",
    "  b: { type: llm, model: gate, prompt: inputs.q }",
    "  both: { type: template, template: '{{ a.text }}{{ b.text }}' }",
    "outputs: { text: both.text }",
  ].join("\n"),
);

describe("the pipeline engine", () => {
  it("runs independent branches at the same time and joins them", async () => {
    const { provider, state } = gatedProvider();
    const deltas: string[] = [];
    const running = runPipeline(
      { providers: providers(provider), tools: noTools, definition: async () => fanOut },
      fanOut,
      { q: "x" },
      {
        signal: new AbortController().signal,
        onDelta: (component, text) => {
          deltas.push(`${component}:${text}`);
        },
      },
    );
    await expect.poll(() => state.running).toBe(2);
    state.open();
    expect(await running).toEqual({ text: "<x><x>" });
    expect(state.peak).toBe(2);
    expect(deltas.sort()).toEqual(["a:<x>", "b:<x>"]);
  });

  it("stops every branch when the run is aborted, reporting why", async () => {
    const { provider, state } = gatedProvider();
    const controller = new AbortController();
    const running = runPipeline(
      { providers: providers(provider), tools: noTools, definition: async () => fanOut },
      fanOut,
      { q: "x" },
      {
        signal: controller.signal,
        onDelta: () => {},
      },
    );
    await expect.poll(() => state.running).toBe(2);
    controller.abort(new AppError("cancelled", "client went away"));
    await expect(running).rejects.toMatchObject({ code: "cancelled", message: "client went away" });
    expect(state.running).toBe(0);
  });

  it("gives a sub-pipeline component an empty text when the pipeline's text output is an omitted optional input", async () => {
    const inner = entry(
      "inner",
      "inputs: { o: { required: false } }\ncomponents:\n  t: { type: template, template: x }\noutputs: { text: inputs.o }",
    );
    const outer = entry(
      "outer",
      "components:\n  c: { type: pipeline, pipeline: inner }\n  u: { type: template, template: '[{{ c.text }}]' }\noutputs: { text: c.text, shown: u.text }",
    );
    const { provider } = gatedProvider();
    const deps = { providers: providers(provider), tools: noTools, definition: async () => inner };
    const outputs = await runPipeline(deps, outer, {}, { signal: new AbortController().signal, onDelta: () => {} });
    expect(outputs).toEqual({ text: "", shown: "[]" });
  });

  it("runs sub-pipelines and refuses to nest without end", async () => {
    const inner = entry(
      "inner",
      "inputs: { s: {} }\ncomponents:\n  t: { type: template, template: '[{{ s }}]' }\noutputs: { text: t.text }",
    );
    const outer = entry(
      "outer",
      "inputs: { s: {} }\ncomponents:\n  c: { type: pipeline, pipeline: inner, inputs: { s: inputs.s } }\noutputs: { text: c.text }",
    );
    const lookup = async (name: string) => (name === "inner" ? inner : outer);
    const { provider } = gatedProvider();
    const deps = { providers: providers(provider), tools: noTools, definition: lookup };
    expect(await runPipeline(deps, outer, { s: "y" }, { signal: new AbortController().signal, onDelta: () => {} })).toEqual({
      text: "[y]",
    });

    const loop = entry("loop", "components:\n  c: { type: pipeline, pipeline: other }\noutputs: { text: c.text }");
    const loopDeps = { providers: providers(provider), tools: noTools, definition: async () => loop };
    // Measured before anything runs: a pipeline that calls itself under another name is a cycle.
    await expect(runPipeline(loopDeps, loop, {}, { signal: new AbortController().signal, onDelta: () => {} })).rejects.toMatchObject({
      code: "invalid_definition",
      message: expect.stringMatching(/cycle: loop -> other -> other/),
    });
  });
});
