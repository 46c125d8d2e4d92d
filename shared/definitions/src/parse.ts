import { AppError } from "@switchyard/errors";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { AgentDefinition } from "./agent.ts";
import { CodeDefinition } from "./code.ts";
import { checkObjectKeys } from "./names.ts";
import { componentTypes, PipelineDefinition, reservedNames } from "./schema.ts";

export type ParsedDefinition =
  | { kind: "pipeline"; definition: PipelineDefinition }
  | { kind: "agent"; definition: AgentDefinition }
  | { kind: "code"; definition: CodeDefinition };

/**
 * Parses YAML or JSON source as a pipeline or an agent: `kind: agent`, or `instructions`
 * without `components`, makes an agent (as does `kindHint`, for `/v1/agents`).
 */
export function parseDefinitionSource(source: string, nameOverride?: string, kindHint?: "pipeline" | "agent"): ParsedDefinition {
  return parseDefinitionDocument(readDocument(source, nameOverride), kindHint);
}

/** The name a source declares (or the override), read without validating the rest: for checking a deploy's name early. */
export function declaredName(source: string, nameOverride?: string): string | undefined {
  if (nameOverride !== undefined) return nameOverride;
  const name = readDocument(source, undefined).name;
  return typeof name === "string" ? name : undefined;
}

/** The same for a document already read (a stored definition, as the registry hands it out). */
export function parseDefinitionDocument(document: Record<string, unknown>, kindHint?: "pipeline" | "agent"): ParsedDefinition {
  // A code pipeline is made by the registry from a wrapper, never written as YAML (stored records only).
  if (document.kind === "code" && kindHint !== "agent") {
    const code = CodeDefinition.safeParse(document);
    if (!code.success) throw definitionError(code.error);
    return { kind: "code", definition: code.data };
  }
  const isAgent = kindHint === "agent" || document.kind === "agent" || ("instructions" in document && !("components" in document));
  if (!isAgent) return { kind: "pipeline", definition: toPipeline(document) };
  if (kindHint === "agent" && document.kind !== undefined && document.kind !== "agent") {
    throw new AppError("invalid_definition", `invalid definition: kind '${String(document.kind)}' is not an agent`, { param: "kind" });
  }
  const result = AgentDefinition.safeParse(document);
  if (!result.success) throw definitionError(result.error);
  checkName(result.data.name);
  return { kind: "agent", definition: result.data };
}

/**
 * Turns YAML or JSON source (or a document already read) into a pipeline definition, or
 * throws `invalid_definition` naming the problem and where it is.
 */
export function parsePipelineSource(source: string | Record<string, unknown>, nameOverride?: string): PipelineDefinition {
  return toPipeline(
    typeof source === "string" ? readDocument(source, nameOverride) : { ...source, ...(nameOverride ? { name: nameOverride } : {}) },
  );
}

function readDocument(source: string, nameOverride: string | undefined): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(source, { maxAliasCount: 100, prettyErrors: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split("\n")[0] : "unreadable";
    throw new AppError("invalid_definition", `invalid YAML: ${detail}`, { cause: error });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new AppError("invalid_definition", "invalid definition: expected a mapping at the top level");
  }
  const document: Record<string, unknown> = { ...raw };
  if (nameOverride !== undefined) document.name = nameOverride;
  return document;
}

function toPipeline(document: Record<string, unknown>): PipelineDefinition {
  if (document.kind !== undefined && document.kind !== "pipeline") {
    throw new AppError("invalid_definition", `invalid definition: kind '${String(document.kind)}' is not a pipeline`, { param: "kind" });
  }
  const { kind: _kind, ...rest } = document;
  checkComponentTypes(rest.components);
  checkNames(rest);
  const result = PipelineDefinition.safeParse(rest);
  if (!result.success) throw definitionError(result.error);
  checkName(result.data.name);
  return result.data;
}

function checkName(name: string): void {
  if (reservedNames.has(name))
    throw new AppError("invalid_definition", `invalid definition: the name '${name}' is reserved`, { param: "name" });
}

/** Refuses `constructor`, `__proto__` and the like as the name of an input, component, output or sub-pipeline input. */
function checkNames(document: Record<string, unknown>): void {
  for (const field of ["inputs", "components", "outputs"]) checkObjectKeys(document[field], field);
  const components = document.components;
  if (typeof components !== "object" || components === null) return;
  for (const [name, component] of Object.entries(components)) {
    if (typeof component === "object" && component !== null && "inputs" in component) {
      checkObjectKeys(component.inputs, `components.${name}.inputs`);
    }
  }
}

/** Reports an unknown component type by name before the schema's generic union error. */
function checkComponentTypes(components: unknown): void {
  if (typeof components !== "object" || components === null) return;
  for (const [name, component] of Object.entries(components)) {
    const type = typeof component === "object" && component !== null ? (component as { type?: unknown }).type : undefined;
    if (typeof type !== "string" || !(componentTypes as readonly string[]).includes(type)) {
      throw new AppError(
        "invalid_definition",
        `invalid definition: components.${name} has unknown component type '${String(type)}' (known types: ${componentTypes.join(", ")})`,
        { param: `components.${name}.type` },
      );
    }
  }
}

function definitionError(error: z.ZodError): AppError {
  const issues = error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return new AppError("invalid_definition", `invalid definition: ${issues.join("; ")}`, {
    param: error.issues[0]?.path.join("."),
  });
}
