import { AppError } from "@switchyard/errors";
import { checkObjectName, own } from "./names.ts";
import { type Component, componentOutputs, type PipelineDefinition, referencePattern } from "./schema.ts";
import { checkTemplate, templateStrings } from "./template.ts";

export type Reference = { kind: "input"; name: string } | { kind: "component"; component: string; output: string };

export interface PipelineGraph {
  /** Components each component waits for. */
  dependencies: Record<string, string[]>;
  /** Components in an order where each comes after its dependencies. */
  order: string[];
}

export interface AnalyzeOptions {
  /** Model aliases configured on the server; `llm` components must use one. */
  modelAliases: readonly string[];
}

/** Parses a reference string; `null` when it is not of the reference form. */
export function parseReference(value: string): Reference | null {
  const match = referencePattern.exec(value);
  if (!match?.[1] || !match[2]) return null;
  return match[1] === "inputs" ? { kind: "input", name: match[2] } : { kind: "component", component: match[1], output: match[2] };
}

/**
 * Checks every reference, model alias and the absence of cycles, and returns the
 * dependency graph. Throws `invalid_definition` naming the first problem found.
 */
export function analyzePipeline(definition: PipelineDefinition, options: AnalyzeOptions): PipelineGraph {
  const dependencies: Record<string, string[]> = {};
  for (const [name, component] of Object.entries(definition.components)) {
    dependencies[name] = [...componentDependencies(definition, name, component, options)];
  }
  for (const [output, reference] of Object.entries(definition.outputs)) {
    resolveReference(definition, reference, `outputs.${output}`);
  }
  if (definition.chat) {
    if (!Object.hasOwn(definition.inputs, definition.chat.input)) {
      fail(`chat.input '${definition.chat.input}' is not one of the pipeline's inputs`, "chat.input");
    }
    if (!Object.hasOwn(definition.outputs, definition.chat.output)) {
      fail(`chat.output '${definition.chat.output}' is not one of the pipeline's outputs`, "chat.output");
    }
  }
  for (const [name, spec] of Object.entries(definition.inputs)) {
    if (spec.required === true && spec.default !== undefined) fail(`inputs.${name} is required but also has a default`, `inputs.${name}`);
  }
  return { dependencies, order: topologicalOrder(dependencies) };
}

function componentDependencies(definition: PipelineDefinition, name: string, component: Component, options: AnalyzeOptions): Set<string> {
  const found = new Set<string>();
  const add = (reference: string, where: string) => {
    const resolved = resolveReference(definition, reference, where);
    if (resolved.kind === "component") found.add(resolved.component);
  };
  // A template's top-level names are inputs or components; the components are waited for.
  const addRoots = (template: string, where: string) => {
    for (const root of checkTemplate(template, where)) {
      if (Object.hasOwn(definition.components, root)) found.add(root);
      else if (!Object.hasOwn(definition.inputs, root)) {
        fail(`dangling reference: ${where} uses '${root}', which is neither an input nor a component`, where);
      }
    }
  };
  switch (component.type) {
    case "template":
      addRoots(component.template, `components.${name}.template`);
      break;
    case "llm":
      if (!options.modelAliases.includes(component.model)) {
        fail(
          `components.${name}.model: unknown model alias '${component.model}' (configured: ${options.modelAliases.join(", ")})`,
          `components.${name}.model`,
        );
      }
      add(component.prompt, `components.${name}.prompt`);
      break;
    case "pipeline":
      if (component.pipeline === definition.name) {
        fail(`cycle: components.${name} calls the pipeline '${definition.name}' itself`, `components.${name}.pipeline`);
      }
      for (const [input, reference] of Object.entries(component.inputs)) add(reference, `components.${name}.inputs.${input}`);
      break;
    case "tool":
      for (const [argument, value] of Object.entries(component.arguments)) {
        for (const template of templateStrings(value)) addRoots(template, `components.${name}.arguments.${argument}`);
      }
      break;
  }
  if (found.has(name)) fail(`cycle: ${name} -> ${name}`, `components.${name}`);
  return found;
}

function resolveReference(definition: PipelineDefinition, value: string, where: string): Reference {
  const reference = parseReference(value);
  if (!reference) return fail(`${where}: '${value}' is not a reference like 'component.output'`, where);
  for (const segment of value.split(".")) checkObjectName(segment, where);
  if (reference.kind === "input") {
    if (!Object.hasOwn(definition.inputs, reference.name))
      fail(`dangling reference: ${where} uses '${value}', but there is no input '${reference.name}'`, where);
    return reference;
  }
  const target = own(definition.components, reference.component);
  if (!target) fail(`dangling reference: ${where} uses '${value}', but there is no component '${reference.component}'`, where);
  const outputs = componentOutputs[target.type];
  if (outputs && !outputs.includes(reference.output)) {
    fail(
      `dangling reference: ${where} uses '${value}', but a ${target.type} component has no output '${reference.output}' ` +
        `(it has: ${outputs.join(", ")})`,
      where,
    );
  }
  return reference;
}

/** Depth-first order; reports the first cycle as `a -> b -> a`. */
function topologicalOrder(dependencies: Record<string, string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]) => {
    const current = state.get(name);
    if (current === "done") return;
    if (current === "visiting") {
      const cycle = [...path.slice(path.indexOf(name)), name];
      fail(`cycle: ${cycle.join(" -> ")}`, `components.${name}`);
    }
    state.set(name, "visiting");
    for (const dependency of own(dependencies, name) ?? []) visit(dependency, [...path, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of Object.keys(dependencies).sort()) visit(name, []);
  return order;
}

function fail(message: string, param: string): never {
  throw new AppError("invalid_definition", `invalid definition: ${message}`, { param });
}
