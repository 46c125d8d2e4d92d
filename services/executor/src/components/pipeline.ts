import { asText, type ComponentRunner } from "./types.ts";

/** Runs another deployed pipeline; its outputs become this component's, plus `text`. */
export const runSubPipeline: ComponentRunner<"pipeline"> = async (component, context) => {
  const inputs: Record<string, unknown> = {};
  for (const [name, reference] of Object.entries(component.inputs)) inputs[name] = context.resolve(reference);
  const outputs = await context.runPipeline(component.pipeline, inputs);
  return { outputs: { ...outputs, text: mainText(outputs) } };
};

/** A sub-pipeline's main text: its `text` output, else its only output, else all outputs as JSON. */
function mainText(outputs: Record<string, unknown>): string {
  const values = Object.values(outputs);
  const main = "text" in outputs ? outputs.text : values.length === 1 ? values[0] : outputs;
  return asText(main);
}
