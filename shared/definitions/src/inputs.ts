import { AppError } from "@switchyard/errors";
import type { InputSpec, PipelineDefinition } from "./schema.ts";

/** Bounds on one run's inputs, checked before anything runs. */
export const inputLimits = { stringBytes: 1024 * 1024, keys: 256 } as const;

/**
 * An uploaded file as a run gets it: `{name, content_type, size, text}` for text, or
 * `{name, content_type, size, sha256, ref}` for other bytes (held in the uploads object store
 * while the run lasts, read by `ref`).
 */
const isUpload = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  "name" in value &&
  typeof value.name === "string" &&
  "content_type" in value &&
  typeof value.content_type === "string" &&
  "size" in value &&
  typeof value.size === "number" &&
  (("text" in value && typeof value.text === "string") ||
    ("ref" in value && typeof value.ref === "string" && "sha256" in value && typeof value.sha256 === "string"));

/** An input of type `files` takes one upload as a list of one; `file` takes a list of exactly one as that one. */
function normalized(type: InputSpec["type"], value: unknown): unknown {
  if (type === "files" && isUpload(value)) return [value];
  if (type === "file" && Array.isArray(value) && value.length === 1) return value[0];
  return value;
}

const checks: Record<InputSpec["type"], (value: unknown) => boolean> = {
  string: (value) => typeof value === "string",
  number: (value) => typeof value === "number" && Number.isFinite(value),
  integer: (value) => typeof value === "number" && Number.isInteger(value),
  boolean: (value) => typeof value === "boolean",
  object: (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  array: (value) => Array.isArray(value),
  file: isUpload,
  files: (value) => Array.isArray(value) && value.every(isUpload),
};

const uploadFields = { name: { type: "string" }, content_type: { type: "string" }, size: { type: "integer" } };
const uploadSchema = {
  oneOf: [
    { type: "object", properties: { ...uploadFields, text: { type: "string" } }, required: ["name", "content_type", "size", "text"] },
    {
      type: "object",
      properties: { ...uploadFields, sha256: { type: "string" }, ref: { type: "string" } },
      required: ["name", "content_type", "size", "sha256", "ref"],
    },
  ],
};
const jsonSchemaOf = (type: InputSpec["type"]): Record<string, unknown> =>
  type === "file" ? uploadSchema : type === "files" ? { type: "array", items: uploadSchema } : { type };

function isRequired(spec: InputSpec): boolean {
  return spec.required ?? spec.default === undefined;
}

/**
 * Checks run inputs against the definition and fills defaults. Unknown inputs are refused
 * so a typo never silently falls back to a default.
 */
export function validateInputs(definition: Pick<PipelineDefinition, "inputs">, inputs: Record<string, unknown>): Record<string, unknown> {
  const names = Object.keys(inputs);
  if (names.length > inputLimits.keys) throw new AppError("invalid_input", "too many inputs");
  for (const name of names) {
    if (!Object.hasOwn(definition.inputs, name)) {
      const known = Object.keys(definition.inputs);
      throw new AppError("invalid_input", `unknown input '${name}' (inputs: ${known.length ? known.join(", ") : "none"})`, { param: name });
    }
  }
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(definition.inputs)) {
    const value = normalized(spec.type, Object.hasOwn(inputs, name) ? inputs[name] : undefined);
    if (value === undefined || value === null) {
      if (isRequired(spec)) throw new AppError("invalid_input", `missing required input '${name}' (${spec.type})`, { param: name });
      if (spec.default !== undefined) result[name] = spec.default;
      continue;
    }
    if (!checks[spec.type](value)) {
      throw new AppError("invalid_input", `input '${name}' must be of type ${spec.type}, got ${describe(value)}`, { param: name });
    }
    if (typeof value === "string" && value.length > inputLimits.stringBytes) {
      throw new AppError("invalid_input", `input '${name}' is longer than ${inputLimits.stringBytes} characters`, { param: name });
    }
    result[name] = value;
  }
  return result;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && !Number.isInteger(value)) return "number";
  return typeof value === "number" ? "integer" : typeof value;
}

/** JSON Schema of a pipeline's inputs, for OpenAPI and MCP tool schemas. */
export function inputsJsonSchema(definition: Pick<PipelineDefinition, "inputs">): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(definition.inputs)) {
    properties[name] = {
      ...jsonSchemaOf(spec.type),
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.default !== undefined ? { default: spec.default } : {}),
    };
    if (isRequired(spec)) required.push(name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}
