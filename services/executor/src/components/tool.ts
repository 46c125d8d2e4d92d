import { renderBudget, renderValue } from "@switchyard/definitions";
import { AppError } from "@switchyard/errors";
import type { ComponentRunner } from "./types.ts";

/** Calls a tool on an MCP server through the mcp service; a tool error fails the component with the server's message. */
export const runTool: ComponentRunner<"tool"> = async (component, context) => {
  // Every argument renders against one budget: many strings cannot add up past it.
  const budget = renderBudget();
  const args = Object.fromEntries(
    Object.entries(component.arguments).map(([key, value]) => [key, renderValue(value, context.view, budget)]),
  );
  context.signal.throwIfAborted();
  const result = await context.tools.call(component.server, component.tool, args, context.signal);
  if (result.isError) {
    throw new AppError("upstream_error", `tool '${component.tool}' on '${component.server}' failed: ${result.text || "no message"}`, {
      retryable: false,
    });
  }
  return { outputs: { text: result.text, content: result.content, structured: result.structured } };
};
