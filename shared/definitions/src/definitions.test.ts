import { AppError } from "@switchyard/errors";
import { describe, expect, it } from "vitest";
import { analyzePipeline } from "./analyze.ts";
import { inputsJsonSchema, validateInputs } from "./inputs.ts";
import { parsePipelineSource } from "./parse.ts";
import { renderTemplate, scanTemplate } from "./template.ts";

const models = { modelAliases: ["default", "echo"] };

function problem(source: string): string {
  try {
    analyzePipeline(parsePipelineSource(source, "p"), models);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("invalid_definition");
    return (error as AppError).message;
  }
  throw new Error("expected the definition to be refused");
}

describe("parsing and analysis", () => {
  it("orders components after their dependencies and finds independent branches", () => {
    const definition = parsePipelineSource(
      [
        "inputs: { text: {} }",
        "components:",
        "  join: { type: template, template: '{{ a.text }} {{ b.text }}' }",
        "  a: { type: llm, prompt: inputs.text }",
        "  b: { type: llm, model: echo, prompt: inputs.text }",
        "outputs: { text: join.text }",
      ].join("\n"),
      "p",
    );
    const graph = analyzePipeline(definition, models);
    expect(graph.dependencies).toEqual({ join: ["a", "b"], a: [], b: [] });
    expect(graph.order.indexOf("join")).toBeGreaterThan(Math.max(graph.order.indexOf("a"), graph.order.indexOf("b")));
  });

  it("accepts JSON as well as YAML, and the name override wins", () => {
    const definition = parsePipelineSource(
      JSON.stringify({ name: "inside", components: { t: { type: "template", template: "x" } }, outputs: { text: "t.text" } }),
      "outside",
    );
    expect(definition.name).toBe("outside");
    expect(definition.description).toBe("");
  });

  it("names each kind of problem", () => {
    expect(problem("components: [")).toMatch(/invalid YAML/);
    expect(problem("- a\n- b")).toMatch(/mapping at the top level/);
    expect(problem("components:\n  a: { type: magic }\noutputs: { text: a.text }")).toMatch(/unknown component type 'magic'/);
    expect(problem("components:\n  a: { template: x }\noutputs: { text: a.text }")).toMatch(/unknown component type 'undefined'/);
    expect(problem("components:\n  a: { type: template, template: x, extra: 1 }\noutputs: { text: a.text }")).toMatch(/extra/);
    expect(problem("components:\n  a: { type: llm, prompt: nope.text }\noutputs: { text: a.text }")).toMatch(/no component 'nope'/);
    expect(problem("components:\n  a: { type: llm, prompt: inputs.q }\noutputs: { text: a.text }")).toMatch(/no input 'q'/);
    expect(problem("components:\n  a: { type: llm, prompt: a.text }\noutputs: { text: a.text }")).toMatch(/cycle: a -> a/);
    expect(
      problem(
        "components:\n  a: { type: llm, prompt: c.text }\n  b: { type: llm, prompt: a.text }\n  c: { type: llm, prompt: b.text }\noutputs: { text: a.text }",
      ),
    ).toMatch(/cycle: a -> c -> b -> a/);
    expect(problem("components:\n  a: { type: template, template: '{{> partial }}' }\noutputs: { text: a.text }")).toMatch(/partial/);
    expect(problem("components:\n  a: { type: pipeline, pipeline: p }\noutputs: { text: a.text }")).toMatch(
      /calls the pipeline 'p' itself/,
    );
    expect(
      problem("components:\n  a: { type: template, template: x }\noutputs: { text: a.text }\nchat: { input: q, output: text }"),
    ).toMatch(/chat.input/);
    expect(problem("components:\n  a: { type: template, template: x }\noutputs: {}")).toMatch(/at least one output/);
    expect(() => parsePipelineSource("components:\n  a: { type: template, template: x }\noutputs: { text: a.text }", "v1")).toThrow(
      /reserved/,
    );
  });
});

describe("inputs", () => {
  const definition = parsePipelineSource(
    [
      "inputs:",
      "  text: { type: string }",
      "  count: { type: integer, default: 2 }",
      "  ratio: { type: number, required: false }",
      "  flags: { type: object, default: {} }",
      "components:",
      "  t: { type: template, template: '{{ text }}' }",
      "outputs: { text: t.text }",
    ].join("\n"),
    "p",
  );

  it("fills defaults and keeps given values", () => {
    expect(validateInputs(definition, { text: "a" })).toEqual({ text: "a", count: 2, flags: {} });
    expect(validateInputs(definition, { text: "a", count: 5, ratio: 0.5 })).toEqual({ text: "a", count: 5, ratio: 0.5, flags: {} });
  });

  it("refuses missing, mistyped and unknown inputs, naming them", () => {
    const param = (inputs: Record<string, unknown>) => {
      try {
        validateInputs(definition, inputs);
      } catch (error) {
        return (error as AppError).param;
      }
      return undefined;
    };
    expect(param({})).toBe("text");
    expect(param({ text: 1 })).toBe("text");
    expect(param({ text: "a", count: 1.5 })).toBe("count");
    expect(param({ text: "a", flags: [] })).toBe("flags");
    expect(param({ text: "a", colour: "red" })).toBe("colour");
  });

  it("describes the inputs as JSON Schema", () => {
    expect(inputsJsonSchema(definition)).toEqual({
      type: "object",
      properties: {
        text: { type: "string" },
        count: { type: "integer", default: 2 },
        ratio: { type: "number" },
        flags: { type: "object", default: {} },
      },
      required: ["text"],
      additionalProperties: false,
    });
  });
});

describe("templates", () => {
  it("renders without HTML escaping and runs no code", () => {
    expect(renderTemplate("{{ a }} & {{ b.text }}", { a: "<x>", b: { text: "y" } })).toBe("<x> & y");
    expect(renderTemplate("{{ constructor.constructor }}", {})).toBe("");
  });

  it("lists top-level names only", () => {
    expect(scanTemplate("{{ a }} {{ b.text }} {{#list}}{{ item }}{{/list}}").roots).toEqual(["a", "b", "list"]);
  });
});
