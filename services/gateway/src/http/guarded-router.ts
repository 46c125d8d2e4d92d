import type { Permission } from "@switchyard/contracts";
import { type Request, type Response, Router } from "express";
import { principalOf, requires } from "../access/middleware.ts";
import type { GatewayContext } from "../context.ts";
import { markRoute } from "./metrics.ts";

type Handler = (request: Request, response: Response) => unknown;
type Path = string | string[];

/** A route's permission: one of the table's, or `authenticated` for what every key may do about itself. */
export type RoutePermission = Permission | "authenticated";

export interface GuardedRouter {
  router: Router;
  get(path: Path, permission: RoutePermission, handler: Handler): void;
  post(path: Path, permission: RoutePermission, handler: Handler): void;
  put(path: Path, permission: RoutePermission, handler: Handler): void;
  patch(path: Path, permission: RoutePermission, handler: Handler): void;
  delete(path: Path, permission: RoutePermission, handler: Handler): void;
  all(path: Path, permission: RoutePermission, handler: Handler): void;
}

/**
 * A router whose every route names the permission it needs, so no route can be added
 * without one. Authentication happens once for the whole app; this checks the permission
 * (and takes the request from the key's limits) before the handler.
 */
export function guardedRouter(context: GatewayContext): GuardedRouter {
  const router = Router();
  const guard = (permission: RoutePermission) =>
    permission === "authenticated"
      ? Object.assign(
          (request: Request, _response: Response, next: () => void) => {
            principalOf(request);
            next();
          },
          { permission },
        )
      : requires(context, permission);
  type Method = "get" | "post" | "put" | "patch" | "delete" | "all";
  // One route per path, so each knows its own template (the metrics' `route` label, never the path itself).
  const add = (method: Method) => (path: Path, permission: RoutePermission, handler: Handler) => {
    for (const template of Array.isArray(path) ? path : [path]) {
      const check = guard(permission);
      // Marked before the permission check, so a refused request is counted under its route too.
      const marked = Object.assign(
        (request: Request, response: Response, next: (error?: unknown) => void) => {
          markRoute(request, response, template);
          return check(request, response, next);
        },
        { permission },
      );
      router[method](template, marked, handler);
    }
  };
  return {
    router,
    get: add("get"),
    post: add("post"),
    put: add("put"),
    patch: add("patch"),
    delete: add("delete"),
    all: add("all"),
  };
}
