import { AppError } from "@switchyard/errors";

/**
 * Bounds on one render (a template component, an agent's instructions, a tool component's
 * arguments). Work is counted in steps: every node visited, every section iteration, every
 * context searched by a lookup, every list element turned into text. Templates nest
 * sections at most `sectionDepth` deep, and values are turned into text at most that deep.
 */
export const renderLimits = { steps: 1_000_000, outputChars: 4 * 1024 * 1024, sectionDepth: 100 } as const;

/** A parsed template: Mustache's own parse tree, with comments and set-delimiter tags dropped. */
export type TemplateNode =
  | { type: "text"; text: string }
  | { type: "value"; name: string }
  | { type: "section"; name: string; inverted: boolean; children: TemplateNode[] }
  | { type: "partial"; name: string };

/** What a render has spent so far; one budget may be shared by several renders (a tool's arguments). */
export interface RenderBudget {
  readonly maxSteps: number;
  readonly maxChars: number;
  steps: number;
  chars: number;
}

export function renderBudget(maxSteps: number = renderLimits.steps, maxChars: number = renderLimits.outputChars): RenderBudget {
  return { maxSteps, maxChars, steps: 0, chars: 0 };
}

/** Charges work; past the budget the render stops with `invalid_input`. */
export function spend(budget: RenderBudget, steps = 1): void {
  budget.steps += steps;
  if (budget.steps > budget.maxSteps) {
    throw new AppError("invalid_input", `the template exceeded its rendering budget of ${count(budget.maxSteps)} steps`, {
      details: { steps: budget.steps, limit: budget.maxSteps },
    });
  }
}

/** Appends text to the render's pieces, within the output budget. */
function write(budget: RenderBudget, text: string, out: string[]): void {
  if (budget.chars + text.length > budget.maxChars) outputExceeded(budget, budget.chars + text.length);
  budget.chars += text.length;
  out.push(text);
}

function outputExceeded(budget: RenderBudget, chars: number): never {
  throw new AppError("invalid_input", `the template exceeded its rendering output of ${count(budget.maxChars)} characters`, {
    details: { chars, limit: budget.maxChars },
  });
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** One level of the context stack: the view a section pushed, and the one around it. */
interface Frame {
  view: unknown;
  parent: Frame | undefined;
}

/**
 * Renders parsed nodes the way Mustache does (no HTML escaping: prompts are text), but
 * counting work and output against the budget, and reading only own properties: a name
 * never finds anything on `Object.prototype`. The pieces are joined once at the end: the
 * result is one flat string, not a tree of concatenations, so a run that keeps many
 * rendered outputs alive (every component's, until the run ends) gives the collector one
 * object per output to keep instead of hundreds.
 */
export function renderNodes(nodes: readonly TemplateNode[], view: unknown, budget: RenderBudget): string {
  const out: string[] = [];
  renderList(nodes, { view, parent: undefined }, budget, out);
  return out.join("");
}

function renderList(nodes: readonly TemplateNode[], frame: Frame, budget: RenderBudget, out: string[]): void {
  for (const node of nodes) {
    spend(budget);
    switch (node.type) {
      case "text":
        write(budget, node.text, out);
        break;
      case "value": {
        const value = lookupName(node.name, frame, budget);
        if (value !== null && value !== undefined) write(budget, valueText(value, budget, 0), out);
        break;
      }
      case "section":
        if (node.inverted) renderInverted(node.name, node.children, frame, budget, out);
        else renderSection(node, frame, budget, out);
        break;
      case "partial":
        throw new AppError("invalid_definition", `templates cannot use partials ({{> ${node.name}}})`);
    }
  }
}

function renderSection(node: { name: string; children: TemplateNode[] }, frame: Frame, budget: RenderBudget, out: string[]): void {
  const value = lookupName(node.name, frame, budget);
  if (!value) return;
  if (Array.isArray(value)) {
    for (const item of value) {
      spend(budget);
      renderList(node.children, { view: item, parent: frame }, budget, out);
    }
    return;
  }
  if (typeof value === "object" || typeof value === "string" || typeof value === "number") {
    renderList(node.children, { view: value, parent: frame }, budget, out);
    return;
  }
  renderList(node.children, frame, budget, out);
}

function renderInverted(name: string, children: TemplateNode[], frame: Frame, budget: RenderBudget, out: string[]): void {
  const value = lookupName(name, frame, budget);
  if (!value || (Array.isArray(value) && value.length === 0)) renderList(children, frame, budget, out);
}

/**
 * Mustache's lookup: `.` is the current view; a name is searched in each context from the
 * innermost out; a dotted name is walked from the first context whose view has the whole path.
 */
function lookupName(name: string, frame: Frame, budget: RenderBudget): unknown {
  if (name === ".") return frame.view;
  const path = name.indexOf(".") > 0 ? name.split(".") : undefined;
  for (let current: Frame | undefined = frame; current; current = current.parent) {
    if (path) {
      spend(budget, path.length);
      const found = walk(current.view, path);
      if (found.hit) return found.value;
    } else {
      spend(budget);
      if (typeof current.view === "object" && current.view !== null && Object.hasOwn(current.view, name)) {
        return Reflect.get(current.view, name);
      }
    }
  }
  return undefined;
}

/** Looks a name up in one view, as a context stack of one (what `{{ name }}` alone in a tool argument reads). */
export function lookupInView(name: string, view: unknown, budget: RenderBudget): unknown {
  return lookupName(name, { view, parent: undefined }, budget);
}

function walk(view: unknown, path: readonly string[]): { hit: boolean; value: unknown } {
  let value = view;
  for (const key of path) {
    // Own properties only; a primitive's own ones (a string's `length`) count, as in Mustache.
    if (value === null || value === undefined || !Object.hasOwn(Object(value), key)) return { hit: false, value: undefined };
    value = Reflect.get(Object(value), key);
  }
  return { hit: true, value };
}

/** A value as text, as JavaScript's `String` makes it (arrays joined by commas), counting list elements. */
function valueText(value: unknown, budget: RenderBudget, depth: number): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    if (depth >= renderLimits.sectionDepth) {
      throw new AppError("invalid_input", `a value is nested more than ${renderLimits.sectionDepth} lists deep to be rendered as text`);
    }
    let out = "";
    for (let index = 0; index < value.length; index++) {
      spend(budget);
      const item: unknown = value[index];
      if (index > 0) out += ",";
      if (item !== null && item !== undefined) out += valueText(item, budget, depth + 1);
      if (budget.chars + out.length > budget.maxChars) outputExceeded(budget, budget.chars + out.length);
    }
    return out;
  }
  if (typeof value === "object" && value !== null) return "[object Object]";
  return String(value);
}
