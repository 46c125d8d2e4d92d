import { endpoints, type McpServerEntry, McpServerId, McpServerInput } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, Response, Router } from "express";
import type { ZodType } from "zod";
import { audit } from "../../access/audit.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody, PageQuery } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";

function idParam(request: Request): string {
  const result = McpServerId.safeParse(request.params.id);
  if (!result.success) throw new AppError("not_found", `no MCP server '${String(request.params.id)}'`);
  return result.data;
}

type ListEndpoint = (typeof endpoints)["mcpList" | "mcpConfig" | "mcpCatalog" | "mcpAvailable"];

/** How a face shows servers: the native one pages lists as `{items, total}`; agent-runtimes' answers bare arrays of its entries. */
export interface McpServerShape {
  list(items: McpServerEntry[], total: number, request: Request): unknown;
  /** The schema `list` parses the query with, when it reads one (for the OpenAPI document). */
  listQuery?: ZodType;
  entry(entry: McpServerEntry): unknown;
  /** The body of a create or replace, as the face's clients send it, in our input's terms. */
  input(body: unknown): unknown;
}

const nativeShape: McpServerShape = {
  list: (items, total, request) => {
    const { limit, offset } = PageQuery.parse(request.query);
    return { items: items.slice(offset, offset + limit), total };
  },
  listQuery: PageQuery,
  entry: (entry) => entry,
  input: (body) => body,
};

/** MCP servers Switchyard uses, managed through the mcp service (agent-runtimes' entry fields; the face decides the shapes). */
export function mcpServerRoutes(context: GatewayContext, shape: McpServerShape = nativeShape): Router {
  const router = guardedRouter(context);
  const listing = (endpoint: ListEndpoint) => async (request: Request, response: Response) => {
    const all = await context.call(endpoint, {});
    response.json(shape.list(all.items, all.total, request));
  };
  const query = shape.listQuery ? { query: shape.listQuery } : {};
  router.get("/", "mcp.read", listing(endpoints.mcpList), { summary: "List MCP servers", ...query });
  router.get("/config", "mcp.read", listing(endpoints.mcpConfig), { summary: "List the config file's MCP servers", ...query });
  router.get("/catalog", "mcp.read", listing(endpoints.mcpCatalog), { summary: "List the MCP server catalog", ...query });
  router.get("/available", "mcp.read", listing(endpoints.mcpAvailable), { summary: "List every MCP server that may run", ...query });
  router.post("/catalog/:id/enable", "mcp.manage", async (request, response) => {
    const id = idParam(request);
    const enabled = await context.call(endpoints.mcpEnable, { id });
    audit(context, request, response, "mcp.enable", id);
    response.status(201).json(shape.entry(enabled));
  });
  router.delete("/catalog/:id/disable", "mcp.manage", async (request, response) => {
    const id = idParam(request);
    await context.call(endpoints.mcpDisable, { id });
    audit(context, request, response, "mcp.disable", id);
    response.status(204).end();
  });
  router.get("/:id", "mcp.read", async (request, response) => {
    response.json(shape.entry(await context.call(endpoints.mcpGet, { id: idParam(request) })));
  });
  router.post(
    "/",
    "mcp.manage",
    async (request, response) => {
      const added = await context.call(endpoints.mcpAdd, McpServerInput.parse(shape.input(jsonObjectBody(request))));
      audit(context, request, response, "mcp.add", added.id);
      response.status(201).json(shape.entry(added));
    },
    { summary: "Add an MCP server", body: McpServerInput },
  );
  router.put(
    "/:id",
    "mcp.manage",
    async (request, response) => {
      const id = idParam(request);
      const body = shape.input(jsonObjectBody(request));
      const server = McpServerInput.parse(typeof body === "object" && body !== null ? { ...body, id } : body);
      const updated = await context.call(endpoints.mcpUpdate, { id, server });
      audit(context, request, response, "mcp.update", id);
      response.json(shape.entry(updated));
    },
    { summary: "Replace an MCP server (its id is the path's)", body: McpServerInput },
  );
  router.delete("/:id", "mcp.manage", async (request, response) => {
    const id = idParam(request);
    await context.call(endpoints.mcpRemove, { id });
    audit(context, request, response, "mcp.remove", id);
    response.status(204).end();
  });
  return router.router;
}
