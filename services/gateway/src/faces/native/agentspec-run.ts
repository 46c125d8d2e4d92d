import { endpoints } from "@switchyard/contracts";
import type { Request, Response } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { nameParam } from "../../http/body.ts";
import { runControl } from "../../http/run-control.ts";
import { agentSpecUsage } from "./agent-events.ts";

/** AgentSpec's pipeline run body: `{input, options?}` as documented, or `{trigger}` as its SDKs send. */
const AgentSpecRunBody = z
  .object({
    input: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    trigger: z.record(z.string(), z.unknown()).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((body) => (body.input === undefined) !== (body.trigger === undefined));

/**
 * Whether a `/v1/pipelines/{name}/run` body is AgentSpec's: nothing but `input` (or
 * `trigger`) and `options`, for a pipeline that has no input of that name. Otherwise it is
 * Hayhooks' flat inputs, as before.
 */
export function agentSpecRun(body: Record<string, unknown>) {
  const parsed = AgentSpecRunBody.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

/** What choosing the inputs needs of a stored pipeline, YAML or code: its inputs and its chat mapping. */
const DeclaredShape = z
  .object({
    inputs: z.record(z.string(), z.unknown()).default({}),
    chat: z.object({ input: z.string(), output: z.string() }).optional(),
  })
  .passthrough();

/**
 * Runs a pipeline for an AgentSpec client: `input` goes to the pipeline's chat input (else
 * its only input; an object is taken as the inputs), `trigger` is the inputs. The reply is
 * AgentSpec's `{pipeline, status, steps, output, usage, total_duration_ms}` with Hayhooks'
 * `result` beside it; `steps` is not recorded (always empty).
 */
export async function runAgentSpecPipeline(
  context: GatewayContext,
  request: Request,
  response: Response,
  body: NonNullable<ReturnType<typeof agentSpecRun>>,
): Promise<boolean> {
  const name = nameParam(request);
  requireDefinition(principalOf(request), name);
  const record = await context.call(endpoints.registryGet, { name, kind: "pipeline" });
  const definition = DeclaredShape.parse(record.definition);
  const declared = Object.keys(definition.inputs);
  if (declared.includes("input") || declared.includes("trigger")) return false;
  let inputs: Record<string, unknown>;
  if (body.trigger !== undefined) inputs = body.trigger;
  else if (typeof body.input === "object" && body.input !== null) inputs = body.input;
  else {
    const target = definition.chat?.input ?? (declared.length === 1 ? declared[0] : undefined);
    inputs = target ? { [target]: body.input } : { input: body.input };
  }
  const started = Date.now();
  const result = await context.runs.run(name, inputs, {
    deadlineMs: context.config.GATEWAY_RUN_TIMEOUT_MS,
    ...runControl(response),
    kind: "pipeline",
  });
  // A code pipeline's output is what its wrapper returned.
  const outputs = result.returned ? { result: result.outputs.result } : result.outputs;
  const outputNames = Object.keys(outputs);
  const primary = definition.chat?.output ?? (outputNames.length === 1 ? outputNames[0] : undefined);
  response.setHeader("x-switchyard-executor", result.executor);
  response.json({
    result: result.returned ? result.outputs.result : result.outputs,
    pipeline: name,
    status: "completed",
    steps: [],
    output: primary === undefined ? outputs : outputs[primary],
    usage: agentSpecUsage(result.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }),
    total_duration_ms: Date.now() - started,
  });
  return true;
}
