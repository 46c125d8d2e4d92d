import { AppError } from "@switchyard/errors";
import Mustache from "mustache";
import { describe, expect, it, vi } from "vitest";
import { renderBudget, renderLimits } from "./render.ts";
import { checkTemplate, parseTemplate, renderTemplate, renderValue, scanTemplate } from "./template.ts";

/** What Mustache itself renders, with HTML escaping off as ours is. */
function mustache(template: string, view: Record<string, unknown>): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => String(value) });
}

function thrown(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

const view = {
  name: "Ada",
  html: "<b>&amp;</b>",
  zero: 0,
  count: 3,
  yes: true,
  no: false,
  nothing: null,
  empty: "",
  list: [],
  items: [{ name: "a", tags: ["x", "y"] }, { name: "b", tags: [] }, { label: "no name here" }],
  numbers: [1, 2, 3],
  matrix: [
    [1, 2],
    [3, 4],
  ],
  mixed: [1, null, "two", [3, [4]], { a: 1 }, true],
  person: { name: "Bo", address: { city: "Oslo", zip: null }, pets: [{ kind: "cat" }] },
  component: { text: "done", usage: { total_tokens: 7 } },
  nested: { name: "inner", deeper: { value: 42 } },
};

const templates = [
  "plain text, no tags",
  "{{name}} {{ name }} {{{name}}} {{& name}} {{{ html }}} {{html}}",
  "{{missing}}|{{missing.deep}}|{{nothing}}|{{empty}}|{{zero}}|{{count}}|{{yes}}|{{no}}",
  "{{numbers}} / {{matrix}} / {{mixed}} / {{person}} / {{list}}",
  "{{person.name}} lives in {{person.address.city}}{{person.address.zip}}; {{person.address.nowhere}}; {{name.length}}",
  "{{#items}}[{{name}}:{{#tags}}{{.}},{{/tags}}{{^tags}}none{{/tags}}]{{/items}}",
  "{{#numbers}}{{.}}{{#count}}+{{count}}{{/count}} {{/numbers}}",
  "{{#matrix}}({{#.}}{{.}};{{/.}}){{/matrix}}",
  "{{#person}}{{name}} {{#address}}{{city}} {{name}}{{/address}}{{/person}}",
  "{{#person.address}}{{city}}{{/person.address}}|{{#person.pets}}{{kind}}{{/person.pets}}",
  "{{#nested}}{{name}} {{deeper.value}} {{#deeper}}{{value}}-{{name}}{{/deeper}}{{/nested}}",
  "{{#yes}}yes:{{name}}{{/yes}}{{#no}}never{{/no}}{{^no}}not no{{/no}}{{^yes}}never{{/yes}}",
  "{{#zero}}never{{/zero}}{{^zero}}zero is falsy{{/zero}}{{#empty}}never{{/empty}}{{^empty}}empty{{/empty}}",
  "{{#list}}never{{/list}}{{^list}}empty list{{/list}}{{^items}}never{{/items}}{{^missing}}missing{{/missing}}",
  "{{#name}}{{.}}!{{length}}{{/name}} {{#count}}{{.}}{{/count}}",
  "{{#items}}{{label}}{{^label}}-{{/label}}{{/items}}",
  "{{! a comment }}before{{! another\nmultiline comment }}after",
  "{{=<% %>=}}<% name %> {{name}} <%={{ }}=%>{{name}}",
  "line one\n  {{#numbers}}\n  - {{.}}\n  {{/numbers}}\nline two\n",
  "{{#component}}{{text}} ({{usage.total_tokens}} tokens){{/component}} {{component.usage.total_tokens}}",
  "{{#person}}{{#pets}}{{kind}} of {{name}} in {{address.city}}{{/pets}}{{/person}}",
  "{{ . }}",
];

describe("rendering like Mustache", () => {
  it.each(templates)("renders %j exactly as Mustache.render does", (template) => {
    expect(renderTemplate(template, view)).toBe(mustache(template, view));
  });

  it("escapes nothing", () => {
    expect(renderTemplate("{{ a }} & {{ b.text }}", { a: "<x>", b: { text: "y" } })).toBe("<x> & y");
  });

  it("reads only own properties: nothing comes from Object.prototype", () => {
    expect(renderTemplate("{{ constructor.constructor }}|{{ toString }}|{{ items.map }}|{{ __proto__ }}", { items: [1] })).toBe("|||");
    expect(renderTemplate("{{#items}}{{ constructor }}{{ hasOwnProperty }}{{/items}}", { items: [{}, {}] })).toBe("");
    // An own property of that name is just data (a run's values may carry any keys).
    expect(renderTemplate("{{ v.toString }}", { v: { toString: "mine" } })).toBe("mine");
    expect(renderTemplate("{{ v }}", { v: { toString: "not a function" } })).toBe("[object Object]");
  });
});

describe("the rendering budget", () => {
  it("stops the 1,300-item triple-nested body at the step budget instead of running 2.2 billion iterations", () => {
    const items = Array.from({ length: 1300 }, (_, index) => index);
    const template = "{{#items}}{{#items}}{{#items}}{{/items}}{{/items}}{{/items}}";
    const budget = renderBudget();
    const error = thrown(() => renderTemplate(template, { items }, budget));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toBe("the template exceeded its rendering budget of 1,000,000 steps");
    expect(budget.steps).toBe(renderLimits.steps + 1);
    expect(error.details).toEqual({ steps: renderLimits.steps + 1, limit: renderLimits.steps });
  });

  it("renders the same shape over a small list, well within the budget", () => {
    const items = Array.from({ length: 10 }, (_, index) => index);
    const template = "{{#items}}{{#items}}{{#items}}.{{/items}}{{/items}}{{/items}}";
    const budget = renderBudget();
    expect(renderTemplate(template, { items }, budget)).toBe(".".repeat(1000));
    expect(budget.steps).toBeGreaterThan(1000);
    expect(budget.steps).toBeLessThan(10_000);
  });

  it("caps the output length", () => {
    const big = "x".repeat(1024 * 1024);
    const error = thrown(() => renderTemplate("{{ big }}{{ big }}{{ big }}{{ big }}{{ big }}", { big }));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toBe("the template exceeded its rendering output of 4,194,304 characters");
    expect(renderTemplate("{{ big }}{{ big }}{{ big }}{{ big }}", { big })).toHaveLength(4 * 1024 * 1024);
    const list = thrown(() => renderTemplate("{{ list }}", { list: Array.from({ length: 5 }, () => big) }));
    expect(list.message).toMatch(/rendering output/);
  });

  it("shares one budget across the strings of a tool's arguments", () => {
    const items = Array.from({ length: 300 }, (_, index) => index);
    const each = "{{#items}}{{#items}}.{{/items}}{{/items}}";
    // One such string is 90,000 iterations; twenty of them together are past the budget.
    expect(() => renderValue({ a: each }, { items })).not.toThrow();
    const error = thrown(() => renderValue(Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`a${index}`, each])), { items }));
    expect(error.message).toMatch(/rendering budget/);
  });

  it("keeps a whole-variable argument's type and reads own properties only", () => {
    expect(
      renderValue(
        { n: "{{ count }}", s: "{{ count }}!", o: "{{ person.age }}", x: "{{ constructor }}" },
        { count: 2, person: { age: 40 } },
      ),
    ).toEqual({ n: 2, s: "2!", o: 40, x: "" });
  });
});

describe("render problems at run time", () => {
  it("are 4xx AppErrors, never a plain Error (a 500)", () => {
    // Agent instructions are rendered over the invoke's variables: each problem is the client's or the definition's.
    const malformed = thrown(() => renderTemplate("You are {{#persona}}", { persona: "kind" }));
    expect(malformed.code).toBe("invalid_definition");
    const tooMuch = thrown(() => renderTemplate("{{#v}}{{#v}}{{#v}}{{/v}}{{/v}}{{/v}}", { v: Array.from({ length: 200 }, () => 1) }));
    expect(tooMuch.code).toBe("invalid_input");
    let deep: unknown = [];
    for (let level = 0; level < 1000; level++) deep = [deep];
    const nested = thrown(() => renderTemplate("{{ deep }}", { deep }));
    expect(nested.code).toBe("invalid_input");
    expect(nested.message).toMatch(/nested more than 100 lists deep/);
  });
});

describe("parsing templates", () => {
  it("refuses malformed templates as invalid_definition, naming where", () => {
    for (const [template, detail] of [
      ["{{#a}} never closed", /Unclosed section "a"/],
      ["{{/b}}", /Unopened section "b"/],
      ["{{#a}}{{/b}}", /Unclosed section "a"/],
      ["{{ name", /Unclosed tag/],
      ["{{= | =}}", /Invalid tags/],
    ] as const) {
      const error = thrown(() => parseTemplate(template, "components.t.template"));
      expect(error.code).toBe("invalid_definition");
      expect(error.param).toBe("components.t.template");
      expect(error.message).toMatch(/^invalid definition: components\.t\.template is not a valid template: /);
      expect(error.message).toMatch(detail);
    }
  });

  it("refuses sections nested deeper than the limit", () => {
    const depth = renderLimits.sectionDepth + 1;
    const error = thrown(() => parseTemplate(`${"{{#a}}".repeat(depth)}${"{{/a}}".repeat(depth)}`, "instructions"));
    expect(error.message).toMatch(/nests sections deeper than 100/);
    const fine = renderLimits.sectionDepth;
    expect(renderTemplate(`${"{{#a}}".repeat(fine)}x${"{{/a}}".repeat(fine)}`, { a: true })).toBe("x");
  });

  it("lists top-level roots, and every name at any depth", () => {
    const scan = scanTemplate("{{ a }} {{ b.text }} {{#list}}{{ item.x }}{{/list}} {{^c}}{{.}}{{/c}}");
    expect(scan.roots).toEqual(["a", "b", "list", "c"]);
    expect(scan.names).toEqual(["a", "b.text", "list", "item.x", "c"]);
  });

  it("refuses names every object has, anywhere in a template", () => {
    for (const template of ["{{ constructor }}", "{{ a.__proto__ }}", "{{#list}}{{ prototype }}{{/list}}", "{{#toString}}{{/toString}}"]) {
      const error = thrown(() => checkTemplate(template, "components.t.template"));
      expect(error.code).toBe("invalid_definition");
      expect(error.message).toMatch(/cannot be used as a name/);
    }
    expect(checkTemplate("{{ a }}{{#b}}{{ c.d }}{{/b}}", "x")).toEqual(["a", "b"]);
  });
});

describe("parsing once", () => {
  it("parses a template on its first render only, and again once 4 Mi characters of other templates pushed it out", () => {
    const parse = vi.spyOn(Mustache, "parse");
    try {
      const template = `Hello {{ name }} ${Math.random()}`;
      for (let run = 0; run < 5; run++) expect(renderTemplate(template, { name: "Ada" })).toMatch(/^Hello Ada /);
      expect(parse.mock.calls.filter(([source]) => source === template)).toHaveLength(1);
      // Five templates of 1 Mi characters each: more than the cache holds, so the first leaves.
      for (let index = 0; index < 5; index++) renderTemplate(`${index}${"x".repeat(1024 * 1024)}`, {});
      renderTemplate(template, { name: "Ada" });
      expect(parse.mock.calls.filter(([source]) => source === template)).toHaveLength(2);
    } finally {
      parse.mockRestore();
    }
  });
});
