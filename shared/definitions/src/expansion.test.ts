import { AppError } from "@switchyard/errors";
import { describe, expect, it } from "vitest";
import { expansionLimits, measurePipeline } from "./expansion.ts";
import { parsePipelineSource } from "./parse.ts";
import type { PipelineDefinition } from "./schema.ts";

/** A pipeline of `width` components: templates, or `pipeline` components calling `calls`. */
function fan(name: string, width: number, calls?: string): PipelineDefinition {
  const lines = Array.from({ length: width }, (_, index) =>
    calls ? `  c${index}: { type: pipeline, pipeline: ${calls} }` : `  c${index}: { type: template, template: x }`,
  );
  return parsePipelineSource(["components:", ...lines, "outputs: { text: c0.text }"].join("\n"), name);
}

function catalog(definitions: PipelineDefinition[]) {
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const looked: string[] = [];
  const lookup = async (name: string) => {
    looked.push(name);
    return byName.get(name);
  };
  return { lookup, looked };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => new Error("expected a refusal"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof AppError)) throw outcome;
  return outcome;
}

describe("the expanded work of a pipeline", () => {
  it("refuses four levels of 20 pipeline components (160,000 leaf runs, 328,420 components), looking each pipeline up once", async () => {
    const { lookup, looked } = catalog([fan("l1", 20, "l2"), fan("l2", 20, "l3"), fan("l3", 20, "leaf"), fan("leaf", 1)]);
    const error = await refusal(measurePipeline(fan("top", 20, "l1"), lookup));
    expect(error.code).toBe("invalid_definition");
    expect(error.message).toBe(
      "invalid definition: a run of 'top' would run 328,420 components (counting those of the pipelines it calls), " +
        "past the limit of 10,000",
    );
    expect(error.details).toEqual({ componentRuns: 328_420, limit: expansionLimits.componentRuns });
    expect(looked).toEqual(["l1", "l2", "l3", "leaf"]);
  });

  it("accepts a moderate two-level fan-out and reports its count and longest chain", async () => {
    const { lookup } = catalog([fan("mid", 20, "leaf"), fan("leaf", 20)]);
    // 20 × (the pipeline component + 20 × (the pipeline component + 20 templates)).
    expect(await measurePipeline(fan("top", 20, "mid"), lookup)).toEqual({ componentRuns: 8420, chain: ["top", "mid", "leaf"] });
  });

  it("counts pipeline components themselves, as the executor does: 9,600 leaf runs under 420 callers pass the limit", async () => {
    const { lookup } = catalog([fan("mid", 20, "leaf"), fan("leaf", 24)]);
    const error = await refusal(measurePipeline(fan("top", 20, "mid"), lookup));
    expect(error.details).toEqual({ componentRuns: 10_020, limit: expansionLimits.componentRuns });
  });

  it("counts a pipeline not deployed (or an agent) as its one component, and a mix of component types", async () => {
    const { lookup } = catalog([fan("leaf", 3)]);
    const mixed = parsePipelineSource(
      [
        "components:",
        "  a: { type: pipeline, pipeline: leaf }",
        "  b: { type: pipeline, pipeline: leaf }",
        "  c: { type: pipeline, pipeline: later }",
        "  d: { type: template, template: x }",
        "outputs: { text: d.text }",
      ].join("\n"),
      "mixed",
    );
    // a and b: 1 + 3 each; c: 1 (resolved when the run gets there); d: 1.
    expect(await measurePipeline(mixed, lookup)).toEqual({ componentRuns: 10, chain: ["mixed", "leaf"] });
  });

  it("refuses a cycle back to the pipeline or through the pipelines it calls", async () => {
    const back = catalog([fan("a", 1, "b"), fan("b", 1, "top")]);
    expect((await refusal(measurePipeline(fan("top", 2, "a"), back.lookup))).message).toMatch(/cycle: top -> a -> b -> top/);
    const loop = catalog([fan("a", 1, "b"), fan("b", 1, "a")]);
    expect((await refusal(measurePipeline(fan("top", 1, "a"), loop.lookup))).message).toMatch(/cycle: top -> a -> b -> a/);
  });

  it("refuses nesting past the limit, also when the deep chain was measured before (memoised)", async () => {
    const chain = Array.from({ length: 9 }, (_, index) => fan(`p${index}`, 1, index < 8 ? `p${index + 1}` : undefined));
    const { lookup } = catalog(chain);
    const error = await refusal(measurePipeline(fan("top", 1, "p1"), lookup));
    expect(error.message).toMatch(/nest deeper than 8: top -> p1 -> p2 -> p3 -> p4 -> p5 -> p6 -> p7 -> p8$/);
    // p2's chain is 7 long: fine from top, which reaches it first through a short path and then a long one.
    const shortThenLong = parsePipelineSource(
      "components:\n  a: { type: pipeline, pipeline: p2 }\n  b: { type: pipeline, pipeline: x1 }\noutputs: { text: a.text }",
      "top",
    );
    const more = catalog([...chain.slice(2), fan("x1", 1, "x2"), fan("x2", 1, "p2")]);
    const deep = await refusal(measurePipeline(shortThenLong, more.lookup));
    expect(deep.message).toMatch(/nest deeper than 8: top -> x1 -> x2 -> p2 -> p3 -> p4 -> p5 -> p6 -> p7/);
  });

  it("stops when the checkpoint throws (a deadline)", async () => {
    const { lookup } = catalog([fan("leaf", 1)]);
    const checkpoint = () => {
      throw new AppError("timeout", "out of time");
    };
    await expect(measurePipeline(fan("top", 1, "leaf"), lookup, { checkpoint })).rejects.toMatchObject({ code: "timeout" });
  });
});
