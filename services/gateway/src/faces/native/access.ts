import { CredentialName, endpoints, KeyId, KeyLimits, KeyRotateRequest, KeyScopes, KeyUpdateRequest, Role } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody, PageQuery } from "../../http/body.ts";
import { type GuardedRouter, guardedRouter } from "../../http/guarded-router.ts";

const CreateKeyBody = z.object({
  name: z.string().min(1).max(128),
  role: Role,
  scopes: KeyScopes.default({}),
  limits: KeyLimits.default({}),
  expires_at: z.string().datetime().optional(),
});

const CredentialBody = z.object({
  name: CredentialName.optional(),
  value: z
    .string()
    .min(1)
    .max(16 * 1024),
  type: z.enum(["api_key", "mcp", "secret"]).default("secret"),
  provider: z.string().max(64).optional(),
  description: z.string().max(1024).optional(),
  metadata: z.record(z.string().max(64), z.string().max(1024)).default({}),
});

/** A key's changes: its id is the path's. */
const UpdateKeyBody = KeyUpdateRequest.omit({ id: true });
/** A rotation's options (the body may be left out): its id is the path's. */
const RotateKeyBody = KeyRotateRequest.omit({ id: true });

const keyIdParam = (request: Request) => {
  const id = KeyId.safeParse(request.params.id);
  if (!id.success) throw new AppError("not_found", `no key '${String(request.params.id)}'`);
  return id.data;
};
const credentialParam = (request: Request) => {
  const name = CredentialName.safeParse(request.params.name);
  if (!name.success) throw new AppError("not_found", `no credential '${String(request.params.name)}'`);
  return name.data;
};

function keyRoutes(context: GatewayContext, routes: GuardedRouter): void {
  routes.post(
    "/v1/keys",
    "access.manage",
    async (request, response) => {
      const body = CreateKeyBody.parse(jsonObjectBody(request));
      const created = await context.call(endpoints.accessKeyCreate, {
        name: body.name,
        role: body.role,
        scopes: body.scopes,
        limits: body.limits,
        ...(body.expires_at ? { expiresAt: body.expires_at } : {}),
        createdBy: principalOf(request).name,
      });
      audit(context, request, response, "key.create", created.key.id);
      // The only time the secret is shown.
      response.status(201).json({ ...created.key, secret: created.secret });
    },
    { summary: "Create an API key (its secret is shown once)", body: CreateKeyBody },
  );
  routes.get(
    "/v1/keys",
    "access.manage",
    async (request, response) => {
      response.json(await context.call(endpoints.accessKeyList, PageQuery.parse(request.query)));
    },
    { summary: "List API keys", query: PageQuery },
  );
  routes.get("/v1/keys/:id", "access.manage", async (request, response) => {
    response.json(await context.call(endpoints.accessKeyGet, { id: keyIdParam(request) }));
  });
  routes.patch(
    "/v1/keys/:id",
    "access.manage",
    async (request, response) => {
      const body = UpdateKeyBody.parse(jsonObjectBody(request));
      const id = keyIdParam(request);
      const updated = await context.call(endpoints.accessKeyUpdate, { ...body, id });
      audit(context, request, response, body.disabled === true ? "key.disable" : "key.update", id);
      response.json(updated);
    },
    { summary: "Update an API key (disable, limits, scopes, name)", body: UpdateKeyBody },
  );
  routes.delete("/v1/keys/:id", "access.manage", async (request, response) => {
    const id = keyIdParam(request);
    await context.call(endpoints.accessKeyDelete, { id });
    audit(context, request, response, "key.revoke", id);
    response.status(204).end();
  });
  routes.post(
    "/v1/keys/:id/rotate",
    "access.manage",
    async (request, response) => {
      const id = keyIdParam(request);
      const body = typeof request.body === "object" && request.body !== null ? request.body : {};
      const rotated = await context.call(endpoints.accessKeyRotate, { ...RotateKeyBody.parse(body), id });
      audit(context, request, response, "key.rotate", id);
      response.json({ ...rotated.key, secret: rotated.secret });
    },
    { summary: "Rotate an API key's secret (the body may be left out)", body: RotateKeyBody },
  );
  routes.get("/v1/me", "authenticated", async (request, response) => {
    const principal = principalOf(request);
    const { keyId, ...rest } = principal;
    const user = principal.userId ? await context.call(endpoints.accessUserGet, { id: principal.userId }) : undefined;
    response.json({ key_id: keyId, ...rest, ...(user ? { user } : {}) });
  });
}

function credentialRoutes(context: GatewayContext, routes: GuardedRouter): void {
  const put = (create: boolean) => async (request: Request, response: import("express").Response) => {
    const body = CredentialBody.parse(jsonObjectBody(request));
    const name = create ? body.name : credentialParam(request);
    if (!name) throw new AppError("invalid_request", "name is required", { param: "name" });
    const stored = await context.call(endpoints.accessCredentialPut, { ...body, name, create, createdBy: principalOf(request).name });
    audit(context, request, response, create ? "credential.create" : "credential.replace", name);
    response.status(create ? 201 : 200).json(stored);
  };
  routes.post("/v1/credentials", "credentials.manage", put(true), { summary: "Store a credential", body: CredentialBody });
  routes.put("/v1/credentials/:name", "credentials.manage", put(false), { summary: "Replace a credential", body: CredentialBody });
  routes.get(
    "/v1/credentials",
    "credentials.read",
    async (request, response) => {
      response.json(await context.call(endpoints.accessCredentialList, PageQuery.parse(request.query)));
    },
    { summary: "List credentials (secrets masked)", query: PageQuery },
  );
  routes.get("/v1/credentials/:name", "credentials.read", async (request, response) => {
    response.json(await context.call(endpoints.accessCredentialGet, { name: credentialParam(request) }));
  });
  routes.delete("/v1/credentials/:name", "credentials.manage", async (request, response) => {
    const name = credentialParam(request);
    await context.call(endpoints.accessCredentialDelete, { name });
    audit(context, request, response, "credential.delete", name);
    response.status(204).end();
  });
  routes.get(
    "/v1/audit",
    "audit.read",
    async (request, response) => {
      response.json(await context.call(endpoints.accessAuditList, PageQuery.parse(request.query)));
    },
    { summary: "List the audit log", query: PageQuery },
  );
}

/** Native `/v1/keys`, `/v1/me`, `/v1/credentials` and `/v1/audit`. */
export function accessRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  keyRoutes(context, routes);
  credentialRoutes(context, routes);
  return routes.router;
}
