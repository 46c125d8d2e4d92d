import { DefinitionName, McpServerId } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";
import { checkTemplate } from "./template.ts";

/** Tools an agent may call: the tools of an MCP server (optionally only some), or a deployed pipeline. */
export const AgentTool = z.union([
  z.object({ mcp: McpServerId, allow: z.array(z.string().min(1).max(256)).max(256).optional() }).strict(),
  z.object({ pipeline: DefinitionName, description: z.string().max(4096).optional() }).strict(),
]);
export type AgentTool = z.infer<typeof AgentTool>;

export const AgentDefinition = z
  .object({
    kind: z.literal("agent").default("agent"),
    name: DefinitionName,
    description: z.string().max(4096).default(""),
    model: z.string().min(1).default("default"),
    /** The system prompt; a Mustache template over the invoke's `variables`. */
    instructions: z
      .string()
      .max(64 * 1024)
      .default(""),
    tools: z.array(AgentTool).max(64).default([]),
    memory: z.enum(["none", "session"]).default("none"),
    max_steps: z.number().int().min(1).max(50).default(6),
    temperature: z.number().min(0).max(2).optional(),
    skip_mcp: z.boolean().default(false),
  })
  .strict();
export type AgentDefinition = z.infer<typeof AgentDefinition>;

/** The inputs an agent takes when run as a tool or through the native API. */
export const agentInputSchema = {
  type: "object",
  properties: {
    message: { type: "string", description: "What to ask the agent" },
    session_id: { type: "string", description: "Continue this session (agents with session memory)" },
    variables: { type: "object", description: "Values for the agent's instructions template" },
  },
  required: ["message"],
  additionalProperties: false,
} as const;

export const AgentInputs = z
  .object({
    message: z.string().max(1024 * 1024),
    session_id: z.string().max(64).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
    /** This turn's model settings, over the agent's (AgentSpec's `options`). */
    options: z
      .object({ temperature: z.number().min(0).max(2).optional(), max_tokens: z.number().int().min(1).max(1_000_000).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type AgentInputs = z.infer<typeof AgentInputs>;

/** Checks what can be checked without other services: the model alias, and that the instructions are a template we render. */
export function checkAgent(agent: AgentDefinition, modelAliases: readonly string[]): void {
  if (!modelAliases.includes(agent.model)) {
    throw new AppError(
      "invalid_definition",
      `invalid definition: model: unknown model alias '${agent.model}' (configured: ${modelAliases.join(", ")})`,
      {
        param: "model",
      },
    );
  }
  const pipelines = agent.tools.flatMap((tool) => ("pipeline" in tool ? [tool.pipeline] : []));
  if (pipelines.includes(agent.name))
    throw new AppError("invalid_definition", "invalid definition: an agent cannot call itself", { param: "tools" });
  // Its names are the invoke's `variables`, known only at run time; the template itself is checked here.
  checkTemplate(agent.instructions, "instructions");
}
