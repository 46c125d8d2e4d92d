import { AppError } from "@switchyard/errors";
import Mustache, { type TemplateSpans } from "mustache";
import { reservedObjectNames } from "./names.ts";
import { lookupInView, type RenderBudget, renderBudget, renderLimits, renderNodes, spend, type TemplateNode } from "./render.ts";

export { type RenderBudget, renderBudget, renderLimits, type TemplateNode } from "./render.ts";

// Templates come from users: Mustache's parse cache would keep every one ever seen (ours, below, is bounded).
Mustache.templateCache = undefined;

export interface TemplateScan {
  /** The first segment of each top-level variable or section name. */
  roots: string[];
  /** Every variable and section name, at any depth. */
  names: string[];
  partials: boolean;
}

/**
 * Parses a template with Mustache's parser into our nodes. A template Mustache cannot
 * parse (an unclosed or unopened section, an unclosed tag) is `invalid_definition`, named
 * by `where`; so are sections nested deeper than `renderLimits.sectionDepth`.
 */
export function parseTemplate(template: string, where = "template"): TemplateNode[] {
  let spans: TemplateSpans;
  try {
    spans = Mustache.parse(template);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new AppError("invalid_definition", `invalid definition: ${where} is not a valid template: ${detail}`, { param: where });
  }
  return toNodes(spans, where, 0);
}

function toNodes(spans: TemplateSpans, where: string, depth: number): TemplateNode[] {
  if (depth > renderLimits.sectionDepth) {
    throw new AppError("invalid_definition", `invalid definition: ${where} nests sections deeper than ${renderLimits.sectionDepth}`, {
      param: where,
    });
  }
  const nodes: TemplateNode[] = [];
  for (const span of spans) {
    const [type, value] = span;
    if (type === "text") nodes.push({ type: "text", text: value });
    else if (type === "name" || type === "&") nodes.push({ type: "value", name: value });
    else if (type === ">") nodes.push({ type: "partial", name: value });
    else if (type === "#" || type === "^") {
      const children = span.length === 6 ? toNodes(span[4], where, depth + 1) : [];
      nodes.push({ type: "section", name: value, inverted: type === "^", children });
    }
    // "!" (comments) and "=" (set delimiters, already applied by the parser) render nothing.
  }
  return nodes;
}

/** Lists the names a template reads (top-level roots apart: inside sections names are relative). */
export function scanTemplate(template: string, where = "template"): TemplateScan {
  const roots = new Set<string>();
  const names = new Set<string>();
  let partials = false;
  const visit = (nodes: readonly TemplateNode[], top: boolean) => {
    for (const node of nodes) {
      if (node.type === "partial") partials = true;
      if (node.type !== "value" && node.type !== "section") continue;
      if (node.name !== ".") {
        names.add(node.name);
        if (top) roots.add(node.name.split(".")[0] ?? node.name);
      }
      if (node.type === "section") visit(node.children, false);
    }
  };
  visit(parseTemplate(template, where), true);
  return { roots: [...roots], names: [...names], partials };
}

/**
 * What a deploy checks of a template: that it parses, uses no partial and no name every
 * object has (`constructor`, `__proto__`, …). Returns its top-level roots.
 */
export function checkTemplate(template: string, where: string): string[] {
  const scan = scanTemplate(template, where);
  if (scan.partials) fail(`${where} uses a partial ({{> …}}), which is not supported`, where);
  for (const name of scan.names) {
    const reserved = name.split(".").find((segment) => reservedObjectNames.has(segment));
    if (reserved !== undefined) fail(`${where} uses '${name}': '${reserved}' cannot be used as a name`, where);
  }
  return scan.roots;
}

function fail(message: string, param: string): never {
  throw new AppError("invalid_definition", `invalid definition: ${message}`, { param });
}

/**
 * Renders without HTML escaping (prompts are text, not markup), bounded by the budget:
 * past `renderLimits` in steps or output it stops with `invalid_input`.
 */
export function renderTemplate(template: string, view: Record<string, unknown>, budget: RenderBudget = renderBudget()): string {
  return renderNodes(parsedOnce(template), view, budget);
}

/** Characters of template source whose parsed nodes are kept, so a deployed template is parsed once, not on every run. */
const cachedCharacters = 4 * 1024 * 1024;
const parsed = new Map<string, readonly TemplateNode[]>();
let parsedCharacters = 0;

/** The template's nodes, from a cache bounded by its sources' total size (the oldest leave first). */
function parsedOnce(template: string): readonly TemplateNode[] {
  const cached = parsed.get(template);
  if (cached) return cached;
  const nodes = parseTemplate(template);
  if (template.length <= cachedCharacters) {
    while (parsedCharacters + template.length > cachedCharacters) {
      const oldest = parsed.keys().next();
      if (oldest.done) break;
      parsed.delete(oldest.value);
      parsedCharacters -= oldest.value.length;
    }
    parsed.set(template, nodes);
    parsedCharacters += template.length;
  }
  return nodes;
}

const wholeVariable = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}$/;

/** Every string inside a value (objects and arrays walked), for scanning argument templates. */
export function templateStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(templateStrings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(templateStrings);
  return [];
}

/**
 * Renders every string in a value as a template, all against one budget. A string that is
 * exactly one variable (`"{{ count }}"`) becomes that variable's value, keeping its type
 * (a number stays a number).
 */
export function renderValue(value: unknown, view: Record<string, unknown>, budget: RenderBudget = renderBudget()): unknown {
  spend(budget);
  if (typeof value === "string") {
    const whole = wholeVariable.exec(value.trim());
    if (whole?.[1]) return lookupInView(whole[1], view, budget) ?? "";
    return renderTemplate(value, view, budget);
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, view, budget));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, view, budget)]));
  }
  return value;
}
