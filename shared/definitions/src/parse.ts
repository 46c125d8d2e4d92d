import { AppError } from "@switchyard/errors";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { componentTypes, PipelineDefinition, reservedNames } from "./schema.ts";

/**
 * Turns YAML or JSON source into a pipeline definition, or throws `invalid_definition`
 * naming the problem and where it is.
 */
export function parsePipelineSource(source: string, nameOverride?: string): PipelineDefinition {
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
  checkComponentTypes(document.components);
  const result = PipelineDefinition.safeParse(document);
  if (!result.success) throw definitionError(result.error);
  if (reservedNames.has(result.data.name)) {
    throw new AppError("invalid_definition", `invalid definition: the name '${result.data.name}' is reserved`, { param: "name" });
  }
  return result.data;
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
