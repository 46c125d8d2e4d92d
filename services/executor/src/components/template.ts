import { renderTemplate } from "@switchyard/definitions";
import type { ComponentRunner } from "./types.ts";

/**
 * Renders a logic-free Mustache template over the inputs and earlier components' outputs.
 * The render is synchronous but bounded (`renderLimits`: steps and output), so the run's
 * deadline and cancel take effect at the latest right after it.
 */
export const runTemplate: ComponentRunner<"template"> = async (component, context) => {
  context.signal.throwIfAborted();
  return { outputs: { text: renderTemplate(component.template, context.view) } };
};
