import type { Component } from "@switchyard/definitions";
import { runLlm } from "./llm.ts";
import { runSubPipeline } from "./pipeline.ts";
import { runTemplate } from "./template.ts";
import { runTool } from "./tool.ts";
import type { ComponentContext, ComponentResult } from "./types.ts";

export type { ComponentContext, ComponentOutputs, ComponentResult, ToolCaller } from "./types.ts";

/** Runs one component with the runner for its type. */
export function runComponent(component: Component, context: ComponentContext): Promise<ComponentResult> {
  switch (component.type) {
    case "template":
      return runTemplate(component, context);
    case "llm":
      return runLlm(component, context);
    case "pipeline":
      return runSubPipeline(component, context);
    case "tool":
      return runTool(component, context);
  }
}
