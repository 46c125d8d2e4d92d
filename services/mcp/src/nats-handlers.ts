import type { McpServerEntry } from "@switchyard/contracts";
import { McpServerInput, McpServerRef, McpUpdateRequest, queueGroups, type Subjects } from "@switchyard/contracts";
import { EmptyReply, type NatsConnection, serveRequests } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { ServerTable } from "./servers.ts";

export interface NatsHandlerDeps {
  nats: NatsConnection;
  subjects: Subjects;
  table: ServerTable;
  logger: Logger;
  tracer: Tracer;
  instance: string;
}

const list = (items: McpServerEntry[]) => ({ items, total: items.length });

/** The gateway's management API: one queue-group subscription per `sy.mcp.*` subject. */
export function serveMcpRequests(deps: NatsHandlerDeps): { unsubscribe(): void }[] {
  const { nats, subjects, table } = deps;
  const common = { queue: queueGroups.mcp, logger: deps.logger, tracer: deps.tracer };
  return [
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpList"),
      schema: EmptyReply,
      handler: async () => list(table.running()),
    }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpConfig"),
      schema: EmptyReply,
      handler: async () => list(table.config()),
    }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpCatalog"),
      schema: EmptyReply,
      handler: async () => list(table.catalog()),
    }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpAvailable"),
      schema: EmptyReply,
      handler: async () => list(table.available()),
    }),
    serveRequests(nats, { ...common, subject: subjects.request("mcpGet"), schema: McpServerRef, handler: async ({ id }) => table.get(id) }),
    serveRequests(nats, { ...common, subject: subjects.request("mcpAdd"), schema: McpServerInput, handler: (input) => table.add(input) }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpUpdate"),
      schema: McpUpdateRequest,
      handler: (request) => table.update(request),
    }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpRemove"),
      schema: McpServerRef,
      handler: async ({ id }) => {
        await table.remove(id);
        return {};
      },
    }),
    serveRequests(nats, { ...common, subject: subjects.request("mcpEnable"), schema: McpServerRef, handler: ({ id }) => table.enable(id) }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpDisable"),
      schema: McpServerRef,
      handler: async ({ id }) => {
        await table.disable(id);
        return {};
      },
    }),
    serveRequests(nats, {
      ...common,
      subject: subjects.request("mcpPing"),
      schema: EmptyReply,
      handler: async () => ({ service: "mcp", instance: deps.instance }),
    }),
  ];
}
