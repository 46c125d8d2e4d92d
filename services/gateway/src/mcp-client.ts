import { McpServerEntry, type McpServerInput, McpServerList, type RequestSubject, type Subjects } from "@switchyard/contracts";
import { EmptyReply, type NatsConnection, requestJson } from "@switchyard/nats";
import type { z } from "zod";

/** The mcp service as the gateway sees it: NATS requests, parsed replies. */
export interface McpApi {
  list(which: "mcpList" | "mcpConfig" | "mcpCatalog" | "mcpAvailable"): Promise<McpServerList>;
  get(id: string): Promise<McpServerEntry>;
  add(server: McpServerInput): Promise<McpServerEntry>;
  update(id: string, server: McpServerInput): Promise<McpServerEntry>;
  remove(id: string): Promise<void>;
  enable(id: string): Promise<McpServerEntry>;
  disable(id: string): Promise<void>;
}

export function createMcpApi(nats: NatsConnection, subjects: Subjects, timeoutMs: number): McpApi {
  const ask = <T extends z.ZodType>(subject: RequestSubject, payload: unknown, schema: T) =>
    requestJson(nats, subjects.request(subject), payload, schema, { timeoutMs, service: "mcp service" });
  return {
    list: (which) => ask(which, {}, McpServerList),
    get: (id) => ask("mcpGet", { id }, McpServerEntry),
    add: (server) => ask("mcpAdd", server, McpServerEntry),
    update: (id, server) => ask("mcpUpdate", { id, server }, McpServerEntry),
    remove: async (id) => {
      await ask("mcpRemove", { id }, EmptyReply);
    },
    enable: (id) => ask("mcpEnable", { id }, McpServerEntry),
    disable: async (id) => {
      await ask("mcpDisable", { id }, EmptyReply);
    },
  };
}
