import type { Permission } from "@switchyard/contracts";
import { type Request, type Response, Router } from "express";
import { principalOf, requires } from "../access/middleware.ts";
import type { GatewayContext } from "../context.ts";

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
  return {
    router,
    get: (path, permission, handler) => void router.get(path, guard(permission), handler),
    post: (path, permission, handler) => void router.post(path, guard(permission), handler),
    put: (path, permission, handler) => void router.put(path, guard(permission), handler),
    patch: (path, permission, handler) => void router.patch(path, guard(permission), handler),
    delete: (path, permission, handler) => void router.delete(path, guard(permission), handler),
    all: (path, permission, handler) => void router.all(path, guard(permission), handler),
  };
}
