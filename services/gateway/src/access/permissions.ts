import { type Permission, type Principal, rolePermissions } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import picomatch from "picomatch";

/** With SWITCHYARD_AUTH=off every request is this: everything allowed, no limits. */
export const openAccessPrincipal: Principal = {
  keyId: "key_authenticationoff",
  name: "authentication off",
  role: "admin",
  scopes: {},
  limits: {},
  kind: "key",
};

const matchers = new Map<string, (name: string) => boolean>();

/** Whether a name matches any of the globs (`*`, `?`); compiled once per glob. */
function matchesAny(globs: readonly string[], name: string): boolean {
  return globs.some((glob) => {
    let matcher = matchers.get(glob);
    if (!matcher) {
      matcher = picomatch(glob, { dot: true });
      // Bounded: globs come from keys, and there are at most 64 per key.
      if (matchers.size < 10_000) matchers.set(glob, matcher);
    }
    return matcher(name);
  });
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return rolePermissions[principal.role].includes(permission);
}

/** A pipeline, agent or model the principal may use: inside its definitions scope, if it has one. */
export function allowsDefinition(principal: Principal, name: string): boolean {
  const scope = principal.scopes.definitions;
  return scope === undefined || matchesAny(scope, name);
}

/** A tool of the gateway's MCP server: inside both the definitions and the tools scope. */
export function allowsTool(principal: Principal, name: string): boolean {
  const scope = principal.scopes.tools;
  return allowsDefinition(principal, name) && (scope === undefined || matchesAny(scope, name));
}

/** 403 naming what is missing. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!hasPermission(principal, permission)) {
    throw new AppError("forbidden", `this key (role ${principal.role}) lacks the permission '${permission}'`);
  }
}

export function requireDefinition(principal: Principal, name: string): void {
  if (!allowsDefinition(principal, name)) throw new AppError("forbidden", `this key is not scoped to '${name}'`);
}
