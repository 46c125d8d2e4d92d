import { endpoints, type LoginReply, Password, TotpCode, Username } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { clientAddress, principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter, type RouteDoc } from "../../http/guarded-router.ts";

const Credentials = z.object({ username: z.string().max(64), password: z.string().max(256) });
const SetupBody = z.object({ username: Username, password: Password });
const CodeBody = z.object({ code: TotpCode });
const LoginVerifyBody = z.object({ username: z.string().max(64), code: TotpCode });

/**
 * An open route's description for the OpenAPI document, carried by a first handler that does nothing else: where
 * a guarded route's guard carries it, so the route table reads it the same way.
 */
const documented = (doc: RouteDoc) => Object.assign((_request: Request, _response: Response, next: () => void) => next(), { doc });

/** Pipelit's login answer: a Bearer token, or an empty one and `requires_mfa` for the second step. */
const tokenReply = (reply: LoginReply) => ({ key: reply.token ?? "", requires_mfa: reply.mfaRequired });

/** The user a login token (or a user's key) belongs to; MFA is a user's, not a bare key's. */
function userOf(request: Request): string {
  const userId = principalOf(request).userId;
  if (!userId) throw new AppError("forbidden", "this key belongs to no user: log in to manage MFA");
  return userId;
}

/**
 * Pipelit's `/api/v1/auth/` routes with Pipelit's shapes: setup (open while no user exists),
 * username and password logins with an optional TOTP second step, MFA management, and `me`.
 * The open ones are listed in `openPaths`.
 */
export function pipelitAuthRoutes(context: GatewayContext): Router {
  const open = Router();
  open.get("/api/v1/auth/setup-status/", async (_request, response) => {
    const status = await context.call(endpoints.accessSetupStatus, {});
    response.json({ needs_setup: status.needsSetup });
  });
  open.post(
    "/api/v1/auth/setup/",
    documented({ summary: "Create the first user (open while none exists)", body: SetupBody }),
    async (request, response) => {
      const body = SetupBody.parse(jsonObjectBody(request));
      response.json(tokenReply(await context.call(endpoints.accessSetup, { ...body, client: clientAddress(request) })));
    },
  );
  open.post(
    "/api/v1/auth/token/",
    documented({ summary: "Log in with a username and password", body: Credentials }),
    async (request, response) => {
      const body = Credentials.parse(jsonObjectBody(request));
      response.json(tokenReply(await context.call(endpoints.accessLogin, { ...body, client: clientAddress(request) })));
    },
  );
  open.post(
    "/api/v1/auth/mfa/login-verify/",
    documented({ summary: "Log in: the TOTP second step", body: LoginVerifyBody }),
    async (request, response) => {
      const body = LoginVerifyBody.parse(jsonObjectBody(request));
      response.json(tokenReply(await context.call(endpoints.accessMfaLogin, { ...body, client: clientAddress(request) })));
    },
  );

  const routes = guardedRouter(context);
  routes.get("/api/v1/auth/me/", "authenticated", async (request, response) => {
    const principal = principalOf(request);
    if (!principal.userId) {
      response.json({ username: principal.name, mfa_enabled: false, role: principal.role, key_id: principal.keyId });
      return;
    }
    const user = await context.call(endpoints.accessUserGet, { id: principal.userId });
    response.json({ username: user.username, mfa_enabled: user.mfaEnabled, role: user.role, id: user.id });
  });
  routes.get("/api/v1/auth/mfa/status/", "authenticated", async (request, response) => {
    const user = await context.call(endpoints.accessUserGet, { id: userOf(request) });
    response.json({ mfa_enabled: user.mfaEnabled });
  });
  routes.post("/api/v1/auth/mfa/setup/", "authenticated", async (request, response) => {
    const setup = await context.call(endpoints.accessMfaSetup, { id: userOf(request) });
    response.json({ secret: setup.secret, provisioning_uri: setup.otpauthUri });
  });
  routes.post(
    "/api/v1/auth/mfa/verify/",
    "authenticated",
    async (request, response) => {
      const { code } = CodeBody.parse(jsonObjectBody(request));
      const user = await context.call(endpoints.accessMfaVerify, { id: userOf(request), code });
      response.json({ mfa_enabled: user.mfaEnabled });
    },
    { summary: "Turn MFA on with a first TOTP code", body: CodeBody },
  );
  routes.post(
    "/api/v1/auth/mfa/disable/",
    "authenticated",
    async (request, response) => {
      const { code } = CodeBody.parse(jsonObjectBody(request));
      const user = await context.call(endpoints.accessMfaDisable, { id: userOf(request), code });
      response.json({ mfa_enabled: user.mfaEnabled });
    },
    { summary: "Turn MFA off with a TOTP code", body: CodeBody },
  );
  open.use(routes.router);
  return open;
}
