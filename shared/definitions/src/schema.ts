import { DefinitionName, McpServerId } from "@switchyard/contracts";
import { z } from "zod";

/** `component.output` or `inputs.<name>`: how definitions wire values. */
export const referencePattern = /^([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)$/;
const Reference = z.string().regex(referencePattern, "must be a reference like 'component.output' or 'inputs.name'");

/** `file` and `files`: uploads (a multipart run request's file parts), each `{name, content_type, size, text}`, or `{…, sha256, ref}` when not text. */
export const inputTypes = ["string", "number", "integer", "boolean", "object", "array", "file", "files"] as const;

export const InputSpec = z
  .object({
    type: z.enum(inputTypes).default("string"),
    description: z.string().max(2000).optional(),
    default: z.unknown().optional(),
    /** Defaults to true unless a default is given. */
    required: z.boolean().optional(),
  })
  .strict();
export type InputSpec = z.infer<typeof InputSpec>;

export const TemplateComponent = z.object({ type: z.literal("template"), template: z.string().max(64 * 1024) }).strict();

export const LlmComponent = z
  .object({
    type: z.literal("llm"),
    model: z.string().min(1).default("default"),
    prompt: Reference,
    system: z
      .string()
      .max(64 * 1024)
      .optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().max(1_000_000).optional(),
  })
  .strict();

export const PipelineComponent = z
  .object({
    type: z.literal("pipeline"),
    pipeline: DefinitionName,
    inputs: z.record(z.string(), Reference).default({}),
  })
  .strict();

/**
 * Calls a tool on an MCP server through the mcp service. String argument values are
 * templates; a value that is exactly one `{{ name }}` passes that value with its type.
 */
export const ToolComponent = z
  .object({
    type: z.literal("tool"),
    server: McpServerId,
    tool: z.string().min(1).max(256),
    arguments: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const componentTypes = ["template", "llm", "pipeline", "tool"] as const;
export type ComponentType = (typeof componentTypes)[number];

export const Component = z.discriminatedUnion("type", [TemplateComponent, LlmComponent, PipelineComponent, ToolComponent]);
export type Component = z.infer<typeof Component>;

/** Outputs each component type is known to produce; `null` means any name (a sub-pipeline's outputs). */
export const componentOutputs: Record<ComponentType, readonly string[] | null> = {
  template: ["text"],
  llm: ["text", "usage"],
  pipeline: null,
  tool: ["text", "content", "structured"],
};

const ComponentName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, "component names are identifiers");

export const PipelineDefinition = z
  .object({
    name: DefinitionName,
    description: z.string().max(4096).default(""),
    inputs: z.record(ComponentName, InputSpec).default({}),
    components: z.record(ComponentName, Component).refine((value) => Object.keys(value).length > 0, "at least one component is needed"),
    outputs: z.record(ComponentName, Reference).refine((value) => Object.keys(value).length > 0, "at least one output is needed"),
    chat: z.object({ input: z.string(), output: z.string() }).strict().optional(),
    skip_mcp: z.boolean().default(false),
  })
  .strict();
export type PipelineDefinition = z.infer<typeof PipelineDefinition>;

/** Names a pipeline cannot take, because the HTTP surface uses them as the first path segment. */
export const reservedNames: ReadonlySet<string> = new Set([
  "v1",
  "status",
  "deploy-yaml",
  "deploy_files",
  "undeploy",
  "healthz",
  "readyz",
  "metrics",
  "docs",
  "openapi.json",
  "mcp",
  "sse",
  "messages",
  "chat",
  "models",
  "inputs",
]);
