import type { NextFunction, Request, RequestHandler, Response } from "express";
import { type LayerLike, stackOf } from "./route-table.ts";

/**
 * The whole segments a route path starts with before its first parameter or wildcard, without
 * a trailing slash, lower-cased (express matches paths case-insensitively, trailing slash optional).
 */
function literalStart(path: string): string {
  const cut = path.search(/[:*?(){}]/);
  let literal = cut === -1 ? path : path.slice(0, cut);
  // A parameter inside a segment (`/file.:ext`): only the segments before it are fixed.
  if (cut !== -1 && !literal.endsWith("/")) literal = literal.slice(0, literal.lastIndexOf("/") + 1);
  return literal.replace(/\/+$/, "").toLowerCase();
}

/**
 * The literal prefixes every path this router can answer starts with, or undefined when one
 * of its routes or middleware can answer any path (a parameter first, a middleware with no path).
 */
function prefixesOf(layers: LayerLike[], mount = ""): string[] | undefined {
  const prefixes: string[] = [];
  for (const layer of layers) {
    const paths = layer.route ? layer.route.path : layer.rawPath;
    const nested = layer.route ? undefined : stackOf(layer.handle);
    const list = Array.isArray(paths) ? paths : [paths];
    for (const path of list) {
      if (typeof path !== "string") return undefined;
      const at = `${mount}${path === "/" ? "" : path}`;
      if (nested) {
        const inner = prefixesOf(nested, at);
        if (!inner) return undefined;
        prefixes.push(...inner);
      } else {
        const start = literalStart(at);
        if (start === "") return undefined;
        prefixes.push(start);
      }
    }
  }
  return prefixes;
}

/**
 * Mounts a router of fixed paths so that requests for other paths pass it with one prefix
 * test, instead of trying each of its routes in turn (express tries every route of every
 * router mounted before the one that answers). The prefixes are read from the router's own
 * routes, so they cannot drift from it; a router with a route that can match any path is
 * returned as it is. The router's stack stays visible for `routeTable`.
 */
export function skipOtherPaths(router: RequestHandler): RequestHandler {
  const prefixes = prefixesOf(stackOf(router));
  if (!prefixes || prefixes.length === 0) return router;
  const unique = [...new Set(prefixes)];
  const gate = (request: Request, response: Response, next: NextFunction): void => {
    const path = request.path.toLowerCase();
    if (unique.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) void router(request, response, next);
    else next();
  };
  return Object.assign(gate, { stack: stackOf(router) });
}
