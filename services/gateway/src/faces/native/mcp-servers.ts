import { endpoints, McpServerId, McpServerInput } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Request, type Response, Router } from "express";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody, PageQuery } from "../../http/body.ts";

function idParam(request: Request): string {
  const result = McpServerId.safeParse(request.params.id);
  if (!result.success) throw new AppError("not_found", `no MCP server '${String(request.params.id)}'`);
  return result.data;
}

type ListEndpoint = (typeof endpoints)["mcpList" | "mcpConfig" | "mcpCatalog" | "mcpAvailable"];

/** MCP servers Switchyard uses, managed through the mcp service (agent-runtimes' shape, lists as `{items, total}`). */
export function mcpServerRoutes(context: GatewayContext): Router {
  const router = Router();
  const listing = (endpoint: ListEndpoint) => async (request: Request, response: Response) => {
    const { limit, offset } = PageQuery.parse(request.query);
    const all = await context.call(endpoint, {});
    response.json({ items: all.items.slice(offset, offset + limit), total: all.total });
  };
  router.get("/", listing(endpoints.mcpList));
  router.get("/config", listing(endpoints.mcpConfig));
  router.get("/catalog", listing(endpoints.mcpCatalog));
  router.get("/available", listing(endpoints.mcpAvailable));
  router.post("/catalog/:id/enable", async (request, response) => {
    response.status(201).json(await context.call(endpoints.mcpEnable, { id: idParam(request) }));
  });
  router.delete("/catalog/:id/disable", async (request, response) => {
    await context.call(endpoints.mcpDisable, { id: idParam(request) });
    response.status(204).end();
  });
  router.get("/:id", async (request, response) => {
    response.json(await context.call(endpoints.mcpGet, { id: idParam(request) }));
  });
  router.post("/", async (request, response) => {
    response.status(201).json(await context.call(endpoints.mcpAdd, McpServerInput.parse(jsonObjectBody(request))));
  });
  router.put("/:id", async (request, response) => {
    const id = idParam(request);
    const body = jsonObjectBody(request);
    const server = McpServerInput.parse(typeof body === "object" && body !== null ? { ...body, id } : body);
    response.json(await context.call(endpoints.mcpUpdate, { id, server }));
  });
  router.delete("/:id", async (request, response) => {
    await context.call(endpoints.mcpRemove, { id: idParam(request) });
    response.status(204).end();
  });
  return router;
}
