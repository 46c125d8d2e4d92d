import { McpServerId, McpServerInput } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Request, Router } from "express";
import type { GatewayContext } from "../context.ts";
import { jsonObjectBody, PageQuery } from "./schemas.ts";

function idParam(request: Request): string {
  const result = McpServerId.safeParse(request.params.id);
  if (!result.success) throw new AppError("not_found", `no MCP server '${String(request.params.id)}'`);
  return result.data;
}

/** MCP servers Switchyard uses, managed through the mcp service (agent-runtimes' shape, lists as `{items, total}`). */
export function mcpServerRoutes(context: GatewayContext): Router {
  const router = Router();
  const listing =
    (which: "mcpList" | "mcpConfig" | "mcpCatalog" | "mcpAvailable") => async (request: Request, response: import("express").Response) => {
      const { limit, offset } = PageQuery.parse(request.query);
      const all = await context.mcp.list(which);
      response.json({ items: all.items.slice(offset, offset + limit), total: all.total });
    };
  router.get("/", listing("mcpList"));
  router.get("/config", listing("mcpConfig"));
  router.get("/catalog", listing("mcpCatalog"));
  router.get("/available", listing("mcpAvailable"));
  router.post("/catalog/:id/enable", async (request, response) => {
    response.status(201).json(await context.mcp.enable(idParam(request)));
  });
  router.delete("/catalog/:id/disable", async (request, response) => {
    await context.mcp.disable(idParam(request));
    response.status(204).end();
  });
  router.get("/:id", async (request, response) => {
    response.json(await context.mcp.get(idParam(request)));
  });
  router.post("/", async (request, response) => {
    response.status(201).json(await context.mcp.add(McpServerInput.parse(jsonObjectBody(request))));
  });
  router.put("/:id", async (request, response) => {
    const id = idParam(request);
    const body = jsonObjectBody(request);
    const server = McpServerInput.parse(typeof body === "object" && body !== null ? { ...body, id } : body);
    response.json(await context.mcp.update(id, server));
  });
  router.delete("/:id", async (request, response) => {
    await context.mcp.remove(idParam(request));
    response.status(204).end();
  });
  return router;
}
