import { type DefinitionSummary, endpoints } from "@switchyard/contracts";
import type { GatewayContext } from "../context.ts";

/** Every deployed definition, a page at a time (the registry caps a page at 1000). */
export async function allDefinitions(context: Pick<GatewayContext, "call">): Promise<DefinitionSummary[]> {
  const definitions: DefinitionSummary[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await context.call(endpoints.registryList, { limit: 1000, offset });
    definitions.push(...page.items);
    if (page.items.length === 0 || definitions.length >= page.total) return definitions;
  }
}
