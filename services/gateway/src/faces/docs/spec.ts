import type { DefinitionSummary } from "@switchyard/contracts";
import { z } from "zod";
import type { RouteDoc } from "../../http/guarded-router.ts";
import type { RouteEntry } from "../../http/route-table.ts";

/** The version the document reports (the gateway's). */
const apiVersion = "0.1.0";

const errorSchema = {
  oneOf: [
    {
      type: "object",
      description: "At the root and under /v1",
      properties: {
        error: {
          type: "object",
          properties: {
            message: { type: "string" },
            type: { type: "string" },
            code: { type: "string" },
            param: { type: ["string", "null"] },
          },
          required: ["message", "type", "code"],
        },
      },
      required: ["error"],
    },
    {
      type: "object",
      description: "Under /api/v1",
      properties: { detail: {}, status_code: { type: "integer" } },
      required: ["detail"],
    },
  ],
};

const isRouteDoc = (value: unknown): value is RouteDoc => typeof value === "object" && value !== null;

/** JSON Schema of what a zod schema takes (its input side); parts JSON Schema cannot say become `{}`. */
const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

/** Express's `/:name/run` and `*rest` as OpenAPI's `/{name}/run` and `{rest}`, with the parameters named. */
function templated(path: string): { path: string; parameters: string[] } {
  const parameters: string[] = [];
  const converted = path.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    parameters.push(name);
    return `{${name}}`;
  });
  return { path: converted || "/", parameters };
}

/** A tag per area, from the path's first segments (`/api/v1/agents/…` → `api-v1-agents`); no `/`, which Swagger UI's links cannot take. */
const tagOf = (path: string) => {
  const segments = path.split("/").filter((segment) => segment !== "" && !/^[:*]/.test(segment));
  if (segments[0] === "api" && segments[1] === "v1") return ["api", "v1", segments[2] ?? ""].filter(Boolean).join("-");
  if (segments[0] === "v1") return ["v1", segments[1] ?? ""].filter(Boolean).join("-");
  return segments.length > 1 ? (segments[0] ?? "root") : "root";
};

/** A pipeline's own run operation, as Hayhooks documents each deployed pipeline: its inputs' schema as the body. */
function pipelineRun(definition: DefinitionSummary) {
  return {
    post: {
      operationId: `run_${definition.name.replace(/[^A-Za-z0-9_]/g, "_")}`,
      summary: `Run ${definition.name}`,
      description: definition.description || undefined,
      tags: ["pipelines"],
      security: [{ ApiKey: [] }, { Bearer: [] }],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: definition.inputSchema },
          "multipart/form-data": { schema: { type: "object", description: "Fields as JSON values; files as parts" } },
        },
      },
      responses: {
        "200": {
          description: "The pipeline's outputs",
          content: { "application/json": { schema: { type: "object", properties: { result: { type: "object" } } } } },
        },
        default: { description: "An error", content: { "application/json": { schema: errorSchema } } },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of every route the app serves, read from its router (so no route can be missing) with
 * the zod schemas the routes declare, plus one run operation per deployed pipeline the caller may see.
 */
export function openApiDocument(routes: RouteEntry[], pipelines: DefinitionSummary[], open: (path: string) => boolean) {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const route of routes) {
    const { path, parameters } = templated(route.path);
    const doc = isRouteDoc(route.doc) ? route.doc : undefined;
    let operationId = `${route.method}_${path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "")}`;
    while (operationIds.has(operationId)) operationId = `${operationId}_`;
    operationIds.add(operationId);
    const query = doc?.query ? schemaOf(doc.query) : undefined;
    const queryParameters =
      query && typeof query.properties === "object" && query.properties !== null
        ? Object.entries(query.properties).map(([name, schema]) => ({ name, in: "query", required: false, schema }))
        : [];
    const operation = {
      operationId,
      summary: doc?.summary ?? `${route.method.toUpperCase()} ${path}`,
      tags: [tagOf(route.path)],
      ...(open(route.path) ? { security: [] } : { security: [{ ApiKey: [] }, { Bearer: [] }] }),
      ...(typeof route.permission === "string" ? { "x-switchyard-permission": route.permission } : {}),
      parameters: [...parameters.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })), ...queryParameters],
      ...(doc?.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(doc.body) } } } } : {}),
      responses: {
        "200": { description: "Success" },
        default: { description: "An error", content: { "application/json": { schema: errorSchema } } },
      },
    };
    // `router.all` shows as express's `_all`: every method the route answers.
    const methods = route.method === "_all" || route.method === "all" ? ["get", "post", "put", "patch", "delete"] : [route.method];
    const entry = paths[path] ?? {};
    for (const method of methods)
      entry[method] ??= { ...operation, operationId: methods.length > 1 ? `${operationId}_${method}` : operationId };
    paths[path] = entry;
  }
  for (const pipeline of pipelines) {
    if (pipeline.kind !== "pipeline") continue;
    paths[`/${pipeline.name}/run`] = pipelineRun(pipeline);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Switchyard",
      version: apiVersion,
      description:
        "Pipelines and agents as REST endpoints, OpenAI-compatible chat, MCP, AG-UI, A2A and background executions. " +
        "Send the API key as `X-API-Key` or `Authorization: Bearer`.",
    },
    components: {
      securitySchemes: {
        ApiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        Bearer: { type: "http", scheme: "bearer" },
      },
    },
    paths,
  };
}
