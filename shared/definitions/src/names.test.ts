import { AppError } from "@switchyard/errors";
import { describe, expect, it } from "vitest";
import { checkAgent } from "./agent.ts";
import { analyzePipeline } from "./analyze.ts";
import { validateInputs } from "./inputs.ts";
import { parseDefinitionSource, parsePipelineSource } from "./parse.ts";

const models = { modelAliases: ["default", "echo"] };

/** The error a deploy-time check of this source gives (parse, then analysis). */
function refusal(source: string): AppError {
  try {
    analyzePipeline(parsePipelineSource(source, "p"), models);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the definition to be refused");
}

function agentRefusal(source: string): AppError {
  try {
    const parsed = parseDefinitionSource(source, "helper", "agent");
    if (parsed.kind === "agent") checkAgent(parsed.definition, models.modelAliases);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the agent to be refused");
}

describe("malformed Mustache is the definition's fault (422), named", () => {
  it("refuses an unclosed section in a template component", () => {
    const error = refusal("components:\n  a: { type: template, template: '{{#a}} open' }\noutputs: { text: a.text }");
    expect(error).toMatchObject({ code: "invalid_definition", param: "components.a.template" });
    expect(error.message).toMatch(/components\.a\.template is not a valid template: Unclosed section "a"/);
  });

  it("refuses an unopened section in a template component", () => {
    const error = refusal("components:\n  a: { type: template, template: 'x {{/b}}' }\noutputs: { text: a.text }");
    expect(error).toMatchObject({ code: "invalid_definition", param: "components.a.template" });
    expect(error.message).toMatch(/Unopened section "b"/);
  });

  it("refuses malformed agent instructions at deploy", () => {
    const error = agentRefusal("instructions: 'You are {{#persona}} helpful'");
    expect(error).toMatchObject({ code: "invalid_definition", param: "instructions" });
    expect(error.message).toMatch(/instructions is not a valid template: Unclosed section "persona"/);
    expect(agentRefusal("instructions: '{{> other }}'").message).toMatch(/partial/);
    expect(agentRefusal("instructions: 'Hi {{ constructor }}'").message).toMatch(/'constructor' cannot be used as a name/);
  });

  it("checks a tool component's argument templates, and waits for the components they name", () => {
    const error = refusal("components:\n  c: { type: tool, server: s, tool: t, arguments: { q: '{{#x}}' } }\noutputs: { text: c.text }");
    expect(error).toMatchObject({ code: "invalid_definition", param: "components.c.arguments.q" });
    const dangling = refusal(
      "components:\n  c: { type: tool, server: s, tool: t, arguments: { q: '{{ ghost }}' } }\noutputs: { text: c.text }",
    );
    expect(dangling.message).toMatch(/'ghost', which is neither an input nor a component/);
    const definition = parsePipelineSource(
      [
        "inputs: { q: {} }",
        "components:",
        "  first: { type: template, template: '{{ q }}' }",
        "  call: { type: tool, server: s, tool: t, arguments: { q: '{{ first.text }}', n: ['{{ q }}'] } }",
        "outputs: { text: call.text }",
      ].join("\n"),
      "p",
    );
    expect(analyzePipeline(definition, models).dependencies.call).toEqual(["first"]);
  });
});

describe("names every JavaScript object has are refused at deploy (422), naming the field", () => {
  const cases: [string, string, string][] = [
    [
      "an input name",
      "inputs: { constructor: {} }\ncomponents:\n  a: { type: template, template: x }\noutputs: { text: a.text }",
      "inputs.constructor",
    ],
    [
      "an input named __proto__",
      "inputs: { __proto__: {} }\ncomponents:\n  a: { type: template, template: x }\noutputs: { text: a.text }",
      "inputs.__proto__",
    ],
    [
      "a component name",
      "components:\n  constructor: { type: template, template: x }\noutputs: { text: constructor.text }",
      "components.constructor",
    ],
    [
      "a component named __proto__",
      "components:\n  __proto__: { type: template, template: x }\noutputs: { text: a.text }",
      "components.__proto__",
    ],
    ["an output name", "components:\n  a: { type: template, template: x }\noutputs: { prototype: a.text }", "outputs.prototype"],
    ["an output named __proto__", "components:\n  a: { type: template, template: x }\noutputs: { __proto__: a.text }", "outputs.__proto__"],
    [
      "a sub-pipeline's input",
      "components:\n  a: { type: pipeline, pipeline: other, inputs: { toString: inputs.q } }\noutputs: { text: a.text }",
      "components.a.inputs.toString",
    ],
    [
      "a template variable",
      "components:\n  a: { type: template, template: '{{ constructor }}' }\noutputs: { text: a.text }",
      "components.a.template",
    ],
    [
      "a template variable inside a section",
      "inputs: { list: { type: array } }\ncomponents:\n  a: { type: template, template: '{{#list}}{{ valueOf }}{{/list}}' }\n" +
        "outputs: { text: a.text }",
      "components.a.template",
    ],
    ["a reference's output", "components:\n  a: { type: pipeline, pipeline: other }\noutputs: { text: a.constructor }", "outputs.text"],
  ];
  it.each(cases)("refuses %s", (_, source, param) => {
    const error = refusal(source);
    expect(error.code).toBe("invalid_definition");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(/cannot be used as a name/);
  });
});

describe("run inputs are looked up as own properties", () => {
  const definition = parsePipelineSource(
    "inputs: { text: {} }\ncomponents:\n  t: { type: template, template: '{{ text }}' }\noutputs: { text: t.text }",
    "p",
  );

  it.each(["constructor", "toString", "hasOwnProperty", "__proto__"])("refuses '%s' as an unknown input (422)", (name) => {
    // Built the way a JSON body arrives: an own property, even for __proto__.
    const inputs: Record<string, unknown> = { text: "a" };
    Object.defineProperty(inputs, name, { value: "x", enumerable: true });
    let error: unknown;
    try {
      validateInputs(definition, inputs);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "invalid_input", param: name });
    expect(error instanceof Error ? error.message : "").toMatch(new RegExp(`unknown input '${name}'`));
  });

  it("does not take an inherited property for a missing input", () => {
    const withOwnText = parsePipelineSource(
      "inputs: { text: {} }\ncomponents:\n  t: { type: template, template: '{{ text }}' }\noutputs: { text: t.text }",
      "p",
    );
    const inherited: Record<string, unknown> = Object.create({ text: "from the prototype" });
    expect(() => validateInputs(withOwnText, inherited)).toThrow(/missing required input 'text'/);
  });
});
