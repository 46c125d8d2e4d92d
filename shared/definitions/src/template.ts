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
