import type { Permission } from "@switchyard/contracts";
import { type Request, type Response, Router } from "express";
import type { ZodType } from "zod";
import { principalOf, requires } from "../access/middleware.ts";
import type { GatewayContext } from "../context.ts";
import { markRoute } from "./metrics.ts";

type Handler = (request: Request, response: Response) => unknown;
type Path = string | string[];

/** A route's permission: one of the table's, or `authenticated` for what every key may do about itself. */
export type RoutePermission = Permission | "authenticated";

/** What the OpenAPI document says of a route beyond its path, method and permission: the schemas that validate it. */
export interface RouteDoc {
  summary?: string;
  /** The zod schema its JSON body is parsed with. */
  body?: ZodType;
  /** The zod schema its query is parsed with. */
  query?: ZodType;
}

type Add = (path: Path, permission: RoutePermission, handler: Handler, doc?: RouteDoc) => void;

export interface GuardedRouter {
  router: Router;
  get: Add;
  post: Add;
  put: Add;
  patch: Add;
  delete: Add;
  all: Add;
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
  const add =
    (method: Method): Add =>
    (path, permission, handler, doc) => {
      for (const template of Array.isArray(path) ? path : [path]) {
        const check = guard(permission);
        // Marked before the permission check, so a refused request is counted under its route too.
        const marked = Object.assign(
          (request: Request, response: Response, next: (error?: unknown) => void) => {
            markRoute(request, response, template);
            return check(request, response, next);
          },
          { permission, ...(doc ? { doc } : {}) },
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
