import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connectNats, type NatsConnection } from "@switchyard/nats";
import { type SingleServer, startNatsOnly } from "@switchyard/testing";
import type { Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { isOpenPath } from "./access/middleware.ts";
import { createCorelessApp } from "./coreless-app.ts";
import { routeTable } from "./http/route-table.ts";

let nats: SingleServer;
let connection: NatsConnection;
let server: Server;
let base: string;
let app: Express;

/**
 * The POST, PUT and PATCH routes that declare no body schema, and why. Every other one must name, in its RouteDoc,
 * the zod schema its handler parses the JSON body with: the one the OpenAPI document shows.
 */
const withoutBodySchema = [
  // Actions the path says all of: no body is read.
  "POST /v1/executions/:id/cancel",
  "POST /api/v1/executions/:id/cancel/",
  "POST /v1/schedules/:id/pause",
  "POST /v1/schedules/:id/resume",
  "POST /v1/schedules/:id/run",
  "POST /api/v1/schedules/:id/pause/",
  "POST /api/v1/schedules/:id/resume/",
  "POST /v1/mcp/servers/catalog/:id/enable",
  "POST /api/v1/mcp/servers/catalog/:id/enable",
  "POST /api/v1/agents/mcp-servers/stop",
  "POST /api/v1/agents/:id/mcp-servers/stop",
  "POST /api/v1/auth/mfa/setup/",
  "POST /undeploy/:name",
  // agent-runtimes' code sandbox restart reads nothing.
  "POST /api/v1/agents/sandbox/restart",
  // JSON-RPC read by the protocols' SDKs (MCP's transports, A2A's handler), not by a schema of ours.
  "POST /mcp",
  "POST /messages",
  "POST /a2a/:name",
  "POST /api/v1/a2a/:name",
];

beforeAll(async () => {
  nats = await startNatsOnly("routes");
  connection = await connectNats({ url: nats.url, name: "routes-test" });
  app = createCorelessApp(connection, "routes-test");
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await connection.close();
  await nats.stop();
});

describe("the gateway's route table", () => {
  it("answers 401 without a key on every route but health and login, and names a permission on each", async () => {
    const routes = routeTable(app).filter((route) => route.method !== "_all");
    console.log(`route table: ${routes.length} routes`);
    expect(routes.length).toBeGreaterThan(40);
    const open: string[] = [];
    for (const route of routes) {
      const path = route.path.replace(/:name/g, "greet").replace(/:id/g, "key_abcdefghijklmnop");
      const method = route.method.toUpperCase();
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(method === "GET" || method === "HEAD" ? {} : { body: "{}" }),
      });
      if (isOpenPath(path)) {
        open.push(`${method} ${path}`);
        expect(response.status, `${method} ${path}`).not.toBe(401);
        continue;
      }
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get("www-authenticate"), `${method} ${path}`).toMatch(/^Bearer/);
      const body: unknown = await response.json();
      expect(JSON.stringify(body), `${method} ${path}`).toMatch(/unauthorized|API key is required/);
      expect(route.permission, `${method} ${path} names no permission`).toBeDefined();
    }
    expect(open.sort()).toEqual(
      [
        "GET /api/v1/auth/setup-status/",
        // agent-runtimes' liveness and readiness, open like /healthz and /readyz.
        "GET /api/v1/health",
        "GET /api/v1/ready",
        "GET /healthz",
        "GET /livez",
        // The API's description and its pages (deployed pipelines are listed only for a key).
        "GET /docs",
        "GET /docs/assets/docs-init.js",
        "GET /docs/assets/redoc.standalone.js",
        "GET /openapi.json",
        "GET /openapi.yaml",
        "GET /redoc",
        "GET /readyz",
        "POST /api/v1/auth/mfa/login-verify/",
        "POST /api/v1/auth/setup/",
        "POST /api/v1/auth/token/",
      ].sort(),
    );
  });

  it("refuses a key that is not a key before asking anyone, with the face's error shape", async () => {
    const native = await fetch(`${base}/v1/pipelines`, { headers: { authorization: "Basic abc" } });
    expect(native.status).toBe(401);
    expect(await native.json()).toMatchObject({ error: { code: "unauthorized", type: "authentication_error" } });
    const pipelit = await fetch(`${base}/api/v1/credentials/`);
    expect(pipelit.status).toBe(401);
    expect(await pipelit.json()).toMatchObject({ detail: expect.stringMatching(/API key is required/), status_code: 401 });
  });

  it("is described whole by /openapi.json: every route of the router, with its method and permission", async () => {
    const response = await fetch(`${base}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, Record<string, { "x-switchyard-permission"?: string }>> };
    const routes = routeTable(app);
    expect(routes.length).toBeGreaterThan(100);
    for (const route of routes) {
      const path = route.path.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}") || "/";
      const method = route.method === "_all" ? "get" : route.method;
      const operation = document.paths[path]?.[method];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      if (typeof route.permission === "string") expect(operation?.["x-switchyard-permission"]).toBe(route.permission);
    }
  });

  it("declares the zod schema of every JSON body, but for the few bodiless and JSON-RPC routes listed", async () => {
    const bodyOf = (doc: unknown) => (typeof doc === "object" && doc !== null && "body" in doc ? doc.body : undefined);
    const writes = routeTable(app).filter((route) => ["post", "put", "patch"].includes(route.method));
    expect(writes.length).toBeGreaterThan(60);
    const names = writes.map((route) => `${route.method.toUpperCase()} ${route.path}`);
    // The list names routes that exist, and only those without a schema: it cannot go stale.
    for (const listed of withoutBodySchema) expect(names, `${listed} is listed but not served`).toContain(listed);
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    };
    const missing: string[] = [];
    for (const [index, route] of writes.entries()) {
      const name = names[index] ?? "";
      const body = bodyOf(route.doc);
      const operation = document.paths[route.path.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}")]?.[route.method];
      if (withoutBodySchema.includes(name)) {
        expect(body, `${name} declares a body schema: take it off the list`).toBeUndefined();
        continue;
      }
      if (!(body instanceof z.ZodType)) {
        missing.push(name);
        continue;
      }
      expect(operation?.requestBody?.content["application/json"]?.schema, `${name} in /openapi.json`).toBeDefined();
    }
    expect(missing, "routes that read a JSON body must pass its zod schema as the RouteDoc's body").toEqual([]);
  });
});
