import Mustache from "mustache";

/** Mustache is logic-free: no code runs from a template. Partials are refused. */
type Token = [string, string, number, number, Token[]?, ...unknown[]];

export interface TemplateScan {
  /** The first segment of each top-level variable or section name. */
  roots: string[];
  partials: boolean;
}

/** Lists the names a template reads at its top level (inside sections names are relative, so skipped). */
export function scanTemplate(template: string): TemplateScan {
  const tokens = Mustache.parse(template) as unknown as Token[];
  const roots = new Set<string>();
  let partials = false;
  for (const [type, value] of tokens) {
    if (type === ">") partials = true;
    if (type === "name" || type === "&" || type === "#" || type === "^") {
      if (value !== ".") roots.add(value.split(".")[0] ?? value);
    }
  }
  return { roots: [...roots], partials };
}

/** Renders without HTML escaping: prompts are text, not markup. */
export function renderTemplate(template: string, view: Record<string, unknown>): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => String(value) });
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
 * Renders every string in a value as a template. A string that is exactly one variable
 * (`"{{ count }}"`) becomes that variable's value, keeping its type (a number stays a number).
 */
export function renderValue(value: unknown, view: Record<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = wholeVariable.exec(value.trim());
    if (whole?.[1]) {
      let current: unknown = view;
      for (const key of whole[1].split(".")) {
        current = typeof current === "object" && current !== null ? (current as Record<string, unknown>)[key] : undefined;
      }
      return current ?? "";
    }
    return renderTemplate(value, view);
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, view));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, view)]));
  }
  return value;
}
