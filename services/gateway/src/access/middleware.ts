import type { Permission, Principal } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, RequestHandler } from "express";
import type { GatewayContext } from "../context.ts";
import { admit } from "./limits.ts";
import { openAccessPrincipal, requirePermission } from "./permissions.ts";

/**
 * The routes anyone may call: health probes, and the login routes that are how one gets a
 * key (setup answers only while no user exists). Compared without a trailing slash.
 */
export const openPaths: ReadonlySet<string> = new Set([
  "/healthz",
  "/livez",
  "/openapi.json",
  "/openapi.yaml",
  "/docs",
  "/redoc",
  "/readyz",
  "/api/v1/health",
  "/api/v1/ready",
  "/api/v1/auth/setup-status",
  "/api/v1/auth/setup",
  "/api/v1/auth/token",
  "/api/v1/auth/mfa/login-verify",
]);

/** The API documentation pages' scripts and styles (from the npm packages): static, and nothing in them is secret. */
export const docsAssetsPrefix = "/docs/assets/";

export function isOpenPath(path: string): boolean {
  return openPaths.has(path.length > 1 ? path.replace(/\/+$/, "") : path) || path.startsWith(docsAssetsPrefix);
}

const principals = new WeakMap<Request, Principal>();

/** Who made the request: set by the authentication middleware for every route that is not open. */
export function principalOf(request: Request): Principal {
  const principal = principals.get(request);
  if (!principal) throw new AppError("unauthorized", "an API key is required");
  return principal;
}

/** `X-API-Key` first, then `Authorization: Bearer`. */
function presentedSecret(request: Request): string | undefined {
  const key = request.header("x-api-key")?.trim();
  if (key) return key;
  const authorization = request.header("authorization")?.trim();
  const bearer = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return bearer?.[1];
}

/** The client's address, for slowing and blocking repeated failures (the socket's, or the proxy's word when trusted). */
export function clientAddress(request: Request): string {
  return (request.ip ?? request.socket.remoteAddress ?? "unknown").slice(0, 64);
}

/** Authenticates every request that is not to an open path; 401 `unauthorized` with `WWW-Authenticate: Bearer` otherwise. */
export function authentication(context: GatewayContext): RequestHandler {
  return async (request, _response, next) => {
    if (isOpenPath(request.path)) return next();
    if (context.config.SWITCHYARD_AUTH === "off") {
      principals.set(request, openAccessPrincipal);
      return next();
    }
    const secret = presentedSecret(request);
    if (!secret || secret.length > 512) {
      throw new AppError("unauthorized", "an API key is required: send it as X-API-Key or Authorization: Bearer <key>");
    }
    principals.set(request, await context.access.authenticate(secret, clientAddress(request)));
    next();
  };
}

/** On an open path: who sent the request if it carries a key (a wrong one is still 401), else undefined. */
export async function optionalPrincipal(context: GatewayContext, request: Request): Promise<Principal | undefined> {
  if (context.config.SWITCHYARD_AUTH === "off") return openAccessPrincipal;
  const secret = presentedSecret(request);
  if (!secret) return undefined;
  if (secret.length > 512) throw new AppError("unauthorized", "that is not an API key");
  return context.access.authenticate(secret, clientAddress(request));
}

/** A route's permission, checked before its handler; also takes the request from the key's limits. */
export type PermissionGuard = RequestHandler & { permission: Permission };

export function requires(context: GatewayContext, permission: Permission): PermissionGuard {
  const guard: RequestHandler = async (request, response, next) => {
    const principal = principalOf(request);
    requirePermission(principal, permission);
    await admit(context, principal, request, response, permission === "runs.invoke");
    next();
  };
  return Object.assign(guard, { permission });
}
