import { renderTemplate } from "@switchyard/definitions";
import type { ComponentRunner } from "./types.ts";

/** Renders a logic-free Mustache template over the inputs and earlier components' outputs. */
export const runTemplate: ComponentRunner<"template"> = async (component, context) => ({
  outputs: { text: renderTemplate(component.template, context.view) },
});
