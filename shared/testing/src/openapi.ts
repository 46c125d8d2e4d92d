import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@switchyard/local";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { parse } from "yaml";

/** The official OpenAI OpenAPI document, kept in the repo (`shared/testing/specs`; OPENAI_SPEC_PATH points at another copy). */
export const openAiSpecPath = process.env.OPENAI_SPEC_PATH ?? join(repoRoot, "shared", "testing", "specs", "openai-openapi.yaml");

export interface SpecValidator {
  /** Validates a value against `#/components/schemas/<name>`; returns the errors, empty when valid. */
  errors(schemaName: string, value: unknown): ErrorObject[];
}

/**
 * The spec is OpenAPI 3.1 but still uses 3.0's `nullable`; JSON Schema has no such keyword,
 * so it is rewritten as a union with null before compiling.
 */
function rewriteNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (typeof node !== "object" || node === null) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) result[key] = rewriteNullable(value);
  if (result.nullable !== true) return result;
  delete result.nullable;
  if (typeof result.type === "string") {
    result.type = [result.type, "null"];
    if (Array.isArray(result.enum)) result.enum = [...result.enum, null];
    return result;
  }
  return { anyOf: [result, { type: "null" }] };
}

let cached: SpecValidator | undefined;

export function openAiSpecValidator(): SpecValidator {
  if (cached) return cached;
  if (!existsSync(openAiSpecPath)) {
    throw new Error(`the OpenAI OpenAPI spec is not at ${openAiSpecPath}: restore shared/testing/specs or set OPENAI_SPEC_PATH`);
  }
  const document = rewriteNullable(parse(readFileSync(openAiSpecPath, "utf8"))) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ ...document, $id: "openai" });
  cached = {
    errors(schemaName, value) {
      const validate = ajv.getSchema(`openai#/components/schemas/${schemaName}`);
      if (!validate) throw new Error(`no schema ${schemaName} in the OpenAI spec`);
      return validate(value) ? [] : [...(validate.errors ?? [])];
    },
  };
  return cached;
}
