import { endpoints, type McpServerEntry } from "@switchyard/contracts";
import { type Bus, serve } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { ServerTable } from "./servers.ts";

export interface NatsHandlerDeps {
  bus: Bus;
  table: ServerTable;
  logger: Logger;
  tracer: Tracer;
  instance: string;
  /** The state of the mcp store (`ok`, unreachable, or emptied since start), for pings. */
  storeHealth?: () => Promise<string>;
}

const list = (items: McpServerEntry[]) => ({ items, total: items.length });

/** The gateway's management API: one queue-group subscription per `sy.mcp.*` endpoint. */
export function serveMcpRequests(deps: NatsHandlerDeps): { unsubscribe(): void }[] {
  const { bus, table } = deps;
  const options = { logger: deps.logger, tracer: deps.tracer };
  return [
    serve(bus, endpoints.mcpList, async () => list(table.running()), options),
    serve(bus, endpoints.mcpConfig, async () => list(table.config()), options),
    serve(bus, endpoints.mcpCatalog, async () => list(table.catalog()), options),
    serve(bus, endpoints.mcpAvailable, async () => list(table.available()), options),
    serve(bus, endpoints.mcpGet, async ({ id }) => table.get(id), options),
    serve(bus, endpoints.mcpAdd, (input) => table.add(input), options),
    serve(bus, endpoints.mcpUpdate, (request) => table.update(request), options),
    serve(
      bus,
      endpoints.mcpRemove,
      async ({ id }) => {
        await table.remove(id);
        return {};
      },
      options,
    ),
    serve(bus, endpoints.mcpEnable, ({ id }) => table.enable(id), options),
    serve(
      bus,
      endpoints.mcpDisable,
      async ({ id }) => {
        await table.disable(id);
        return {};
      },
      options,
    ),
    serve(
      bus,
      endpoints.mcpPing,
      async () => ({ service: "mcp", instance: deps.instance, checks: { redis: (await deps.storeHealth?.()) ?? "not checked" } }),
      options,
    ),
  ];
}
