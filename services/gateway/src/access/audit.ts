import { endpoints } from "@switchyard/contracts";
import type { Request, Response } from "express";
import type { GatewayContext } from "../context.ts";
import { principalOf } from "./middleware.ts";

/**
 * Records an admin action (deploys, undeploys, key, credential and MCP server changes) in the
 * access service's audit trail: who, what, when, and the request id. Recorded after the
 * action succeeded; a trail that cannot be written is logged, and the action stands.
 */
export function audit(context: GatewayContext, request: Request, response: Response, action: string, target: string): void {
  const principal = principalOf(request);
  const requestId = response.getHeader("x-request-id");
  void context
    .call(endpoints.accessAuditRecord, {
      actor: { keyId: principal.keyId, name: principal.name, ...(principal.userId ? { userId: principal.userId } : {}) },
      action,
      target: target.slice(0, 256),
      ...(typeof requestId === "string" ? { requestId } : {}),
    })
    .catch((error: unknown) => context.logger.warn({ err: error, action, target }, "audit entry not recorded"));
}
