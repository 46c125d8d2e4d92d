import { z } from "zod";

export const DefinitionName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1-64 letters, digits, '_' or '-', starting with a letter or digit");

export const DefinitionKind = z.enum(["pipeline", "agent"]);
export type DefinitionKind = z.infer<typeof DefinitionKind>;

/** Bounds on what one deploy may carry, and how deep `pipeline` components may call each other (at deploy and at run time). */
export const definitionLimits = { sourceBytes: 256 * 1024, files: 32, nesting: 8 } as const;

/** The files that make a deploy a code pipeline (Hayhooks' `pipeline_wrapper.py`, in TypeScript or JavaScript): the first found. */
export const wrapperFileNames = ["pipeline_wrapper.ts", "pipeline_wrapper.js", "pipeline_wrapper.mjs"] as const;

/** The wrapper among a deploy's files, when it has one: then the deploy is a code pipeline. */
export const wrapperEntryOf = (files: Record<string, string>) => wrapperFileNames.find((file) => Object.hasOwn(files, file));

export const DeployRequest = z.object({
  /** Overrides the `name` inside the source when given (Hayhooks passes it separately). */
  name: DefinitionName.optional(),
  /** Deploy only as this kind (the `/v1/agents` routes); otherwise the source says. */
  kind: DefinitionKind.optional(),
  source: z.string().min(1).max(definitionLimits.sourceBytes),
  overwrite: z.boolean().default(false),
  description: z.string().max(4096).optional(),
  /** A code pipeline: the wrapper's file among `files` (`source` is its text), compiled and checked at deploy. */
  entry: z.string().min(1).max(256).optional(),
  /** Extra files deployed with the definition (Hayhooks `deploy_files` with `save_files`; a code pipeline's modules). */
  files: z
    .record(z.string(), z.string())
    .refine((files) => Object.keys(files).length <= definitionLimits.files, "too many files")
    .optional(),
});
export type DeployRequest = z.infer<typeof DeployRequest>;

export const DefinitionSummary = z.object({
  name: DefinitionName,
  kind: DefinitionKind,
  version: z.number().int().positive(),
  description: z.string(),
  deployedAt: z.string(),
  /** Has a chat mapping, so it is served as an OpenAI model. */
  chat: z.boolean().default(false),
  /** Left out of the gateway's MCP tools. */
  skipMcp: z.boolean().default(false),
  /** An agent's model alias. */
  model: z.string().optional(),
  /** JSON Schema of the inputs (the MCP tool's `inputSchema`, the run endpoint's body). */
  inputSchema: z.record(z.string(), z.unknown()).default({ type: "object", properties: {} }),
});
export type DefinitionSummary = z.infer<typeof DefinitionSummary>;

export const DeployReply = DefinitionSummary;
export type DeployReply = z.infer<typeof DeployReply>;

/** `kind`, when given, must match: `/v1/agents/x` does not see pipeline x. */
export const NameRequest = z.object({ name: DefinitionName, kind: DefinitionKind.optional() });
export type NameRequest = z.infer<typeof NameRequest>;

export const ListRequest = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
  kind: DefinitionKind.optional(),
});
export type ListRequest = z.infer<typeof ListRequest>;

export const ListReply = z.object({ items: z.array(DefinitionSummary), total: z.number().int().min(0) });
export type ListReply = z.infer<typeof ListReply>;

/** A stored definition: the summary, the parsed definition (JSON) and the source it came from. */
export const DefinitionRecord = DefinitionSummary.extend({
  definition: z.record(z.string(), z.unknown()),
  source: z.string(),
  files: z.record(z.string(), z.string()).optional(),
});
export type DefinitionRecord = z.infer<typeof DefinitionRecord>;

export const DefinitionChanged = z.object({
  name: DefinitionName,
  kind: DefinitionKind,
  version: z.number().int().positive(),
  action: z.enum(["deployed", "undeployed"]),
});
export type DefinitionChanged = z.infer<typeof DefinitionChanged>;

/** A service's answer to a ping: who it is, and the state of what it depends on (`ok`, or what is wrong). */
export const PingReply = z.object({ service: z.string(), instance: z.string(), checks: z.record(z.string(), z.string()).default({}) });
export type PingReply = z.infer<typeof PingReply>;
