import type { Application } from "express";

/** One route the app serves: method, full path, and the permission its guard names (undefined for open routes). */
export interface RouteEntry {
  method: string;
  path: string;
  permission: unknown;
  /** What its guard says for the OpenAPI document (a `RouteDoc`), when anything. */
  doc: unknown;
}

/** What express's router keeps per layer, as much of it as reading the routes needs. */
export interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: { handle: unknown }[] };
  handle: unknown;
  rawPath?: string | string[];
}

/** The layers of a router (or of anything else: none). */
export const stackOf = (handle: unknown): LayerLike[] =>
  typeof handle === "function" && "stack" in handle && Array.isArray(handle.stack) ? handle.stack : [];

/**
 * Every route the app serves, read from express's own router (mounted routers included),
 * with the permission its guard names: the table tests walk (for 401s, for fuzzing), not a
 * list written by hand.
 */
export function routeTable(app: Application): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const walk = (layers: LayerLike[], prefix: string) => {
    for (const layer of layers) {
      if (layer.route) {
        const guard = layer.route.stack[0]?.handle;
        const permission = typeof guard === "function" && "permission" in guard ? guard.permission : undefined;
        const doc = typeof guard === "function" && "doc" in guard ? guard.doc : undefined;
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods)) routes.push({ method, path: `${prefix}${path}`, permission, doc });
        }
        continue;
      }
      const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
      walk(stackOf(layer.handle), `${prefix}${mount}`);
    }
  };
  walk(stackOf(app.router), "");
  return routes;
}
