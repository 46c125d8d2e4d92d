import { type DefinitionSummary, endpoints, type Principal } from "@switchyard/contracts";
import { allowsDefinition } from "../access/permissions.ts";
import type { GatewayContext } from "../context.ts";

/** Every deployed definition the principal may see, a page at a time (the registry caps a page at 1000). */
export async function allDefinitions(context: Pick<GatewayContext, "call">, principal: Principal): Promise<DefinitionSummary[]> {
  const definitions: DefinitionSummary[] = [];
  for (let offset = 0, total = Number.POSITIVE_INFINITY; offset < total; offset += 1000) {
    const page = await context.call(endpoints.registryList, { limit: 1000, offset });
    total = page.items.length === 0 ? 0 : page.total;
    definitions.push(...page.items.filter((definition) => allowsDefinition(principal, definition.name)));
  }
  return definitions;
}

/** A page of one kind's definitions as the principal may see them: the registry's page, or, for a scoped key, a page of its part. */
export async function definitionsPage(
  context: Pick<GatewayContext, "call">,
  principal: Principal,
  kind: DefinitionSummary["kind"],
  limit: number,
  offset: number,
): Promise<{ items: DefinitionSummary[]; total: number }> {
  if (principal.scopes.definitions === undefined) return context.call(endpoints.registryList, { limit, offset, kind });
  const visible = (await allDefinitions(context, principal)).filter((definition) => definition.kind === kind);
  return { items: visible.slice(offset, offset + limit), total: visible.length };
}
