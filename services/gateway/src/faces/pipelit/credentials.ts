import { type CredentialInfo, CredentialName, endpoints } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";
import { audit } from "../../access/audit.ts";
import { principalOf } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { jsonObjectBody } from "../../http/body.ts";
import { guardedRouter } from "../../http/guarded-router.ts";

/** Pipelit's credential types, and the field of `detail` that holds each one's secret. */
const secretFieldByType = { llm: "api_key", git: "access_token", gateway: "token", tool: "api_key" } as const;
const CredentialType = z.enum(["llm", "git", "gateway", "tool"]);
const Detail = z.record(z.string().max(64), z.union([z.string().max(16 * 1024), z.number(), z.boolean(), z.null()])).default({});
const CreateBody = z.object({ name: CredentialName, credential_type: CredentialType, detail: Detail });
const PatchBody = z.object({ detail: Detail });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Pipelit's shape of a stored credential: the secret field masked, the rest of `detail` as it was given. */
function pipelitCredential(info: CredentialInfo) {
  const type = CredentialType.safeParse(info.metadata.credential_type);
  const credentialType = type.success ? type.data : "tool";
  const { credential_type: _type, ...detail } = info.metadata;
  return {
    id: info.name,
    name: info.name,
    credential_type: credentialType,
    detail: { ...detail, [secretFieldByType[credentialType]]: info.masked },
    created_at: info.createdAt,
    updated_at: info.updatedAt,
  };
}

/** Splits Pipelit's `detail` into the secret (encrypted by the access service) and the settings shown as they are. */
function split(type: z.infer<typeof CredentialType>, detail: z.infer<typeof Detail>) {
  const field = secretFieldByType[type];
  const secret = detail[field];
  if (typeof secret !== "string" || secret === "") {
    throw new AppError("invalid_input", `detail.${field} is required for a ${type} credential`, { param: `detail.${field}` });
  }
  const metadata: Record<string, string> = { credential_type: type };
  for (const [key, value] of Object.entries(detail)) if (key !== field && value !== null) metadata[key] = String(value);
  return { value: secret, metadata };
}

const nameParam = (request: Request) => {
  const name = CredentialName.safeParse(request.params.id);
  if (!name.success) throw new AppError("not_found", "Credential not found.");
  return name.data;
};

/** Pipelit's `/api/v1/credentials/`: the same store as `/v1/credentials`, in Pipelit's shapes (the id is the name). */
export function pipelitCredentialRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  routes.get(
    "/api/v1/credentials/",
    "credentials.read",
    async (request, response) => {
      const page = await context.call(endpoints.accessCredentialList, Page.parse(request.query));
      response.json({ items: page.items.map(pipelitCredential), total: page.total });
    },
    { summary: "List credentials (Pipelit)", query: Page },
  );
  routes.post(
    "/api/v1/credentials/",
    "credentials.manage",
    async (request, response) => {
      const body = CreateBody.parse(jsonObjectBody(request));
      const stored = await context.call(endpoints.accessCredentialPut, {
        name: body.name,
        type: body.credential_type === "llm" ? "api_key" : "secret",
        ...split(body.credential_type, body.detail),
        create: true,
        createdBy: principalOf(request).name,
      });
      audit(context, request, response, "credential.create", body.name);
      response.status(201).json(pipelitCredential(stored));
    },
    { summary: "Store a credential (Pipelit)", body: CreateBody },
  );
  routes.get("/api/v1/credentials/:id/", "credentials.read", async (request, response) => {
    response.json(pipelitCredential(await context.call(endpoints.accessCredentialGet, { name: nameParam(request) })));
  });
  routes.patch(
    "/api/v1/credentials/:id/",
    "credentials.manage",
    async (request, response) => {
      const name = nameParam(request);
      const existing = await context.call(endpoints.accessCredentialGet, { name });
      const type = CredentialType.catch("tool").parse(existing.metadata.credential_type);
      const body = PatchBody.parse(jsonObjectBody(request));
      // The stored secret is never read back, so a change carries it again.
      const stored = await context.call(endpoints.accessCredentialPut, {
        name,
        type: existing.type,
        ...split(type, body.detail),
        createdBy: principalOf(request).name,
      });
      audit(context, request, response, "credential.replace", name);
      response.json(pipelitCredential(stored));
    },
    { summary: "Replace a credential's detail (Pipelit)", body: PatchBody },
  );
  routes.delete("/api/v1/credentials/:id/", "credentials.manage", async (request, response) => {
    const name = nameParam(request);
    await context.call(endpoints.accessCredentialDelete, { name });
    audit(context, request, response, "credential.delete", name);
    response.status(204).end();
  });
  return routes.router;
}
