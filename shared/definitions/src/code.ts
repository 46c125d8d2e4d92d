import { DefinitionName } from "@switchyard/contracts";
import { z } from "zod";
import { InputSpec } from "./schema.ts";

const InputName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, "input names are identifiers");

/**
 * A code pipeline, as stored: Hayhooks' `pipeline_wrapper`, in TypeScript or JavaScript,
 * compiled at deploy time into one bundle that executors run in a sandbox. `inputs` is what
 * the wrapper declares (the same input types as YAML pipelines, so validation, OpenAPI,
 * `/v1/models` and MCP `inputSchema` work unchanged); `functions` says what it exports.
 */
export const CodeDefinition = z
  .object({
    kind: z.literal("code"),
    name: DefinitionName,
    description: z.string().max(4096).default(""),
    inputs: z.record(InputName, InputSpec).default({}),
    skip_mcp: z.boolean().default(false),
    code: z
      .object({
        entry: z.string().min(1).max(256),
        bundle: z.string().min(1),
        /** The bundle's source map (positions only), for run-time errors that name the deployed file and line. */
        source_map: z.string().optional(),
        functions: z.object({ setup: z.boolean(), runApi: z.boolean(), runChatCompletion: z.boolean() }).strict(),
      })
      .strict(),
  })
  .strict();
export type CodeDefinition = z.infer<typeof CodeDefinition>;
