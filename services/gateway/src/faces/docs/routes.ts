import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express, { type Request, Router } from "express";
import { stringify } from "yaml";
import { isOpenPath, optionalPrincipal } from "../../access/middleware.ts";
import type { GatewayContext } from "../../context.ts";
import { allDefinitions } from "../../core/listing.ts";
import { type RouteEntry, routeTable } from "../../http/route-table.ts";
import { openApiDocument } from "./spec.ts";

const packageRequire = createRequire(import.meta.url);
const swaggerUiDir = dirname(packageRequire.resolve("swagger-ui-dist/package.json"));
const redocScript = join(dirname(packageRequire.resolve("redoc/package.json")), "bundles", "redoc.standalone.js");

// The pages load only what this gateway serves (no CDN), and the spec from the same origin.
const swaggerPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/docs-init.js"></script>
</body></html>
`;
const swaggerInit = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true, docExpansion: "none" });
`;
const redocPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard API</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script>
</body></html>
`;

/**
 * What the pages may load: this origin only (ReDoc's bundle names a logo on its CDN: it is not fetched). Both
 * libraries set inline styles, and ReDoc runs its search in a worker made from a blob.
 */
const pagePolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The API described: OpenAPI 3.1 at `/openapi.json` and `/openapi.yaml`, read from the router itself with the zod
 * schemas the routes declare; Swagger UI at `/docs` and ReDoc at `/redoc`, their assets served from the npm packages.
 * Open, like the health routes: the routes are no secret. Deployed pipelines' own run operations (their input
 * schemas, as Hayhooks shows them) are listed only for a request with a key, and only those that key may see.
 */
export function docsRoutes(context: GatewayContext): Router {
  const router = Router();
  // The app's routes are fixed once it serves: walked on the first request, not on every one.
  let routes: RouteEntry[] | undefined;
  const document = async (request: Request) => {
    const principal = await optionalPrincipal(context, request);
    const pipelines = principal ? await allDefinitions(context, principal) : [];
    routes ??= routeTable(request.app);
    return openApiDocument(routes, pipelines, isOpenPath);
  };
  router.get("/openapi.json", async (request, response) => {
    response.json(await document(request));
  });
  router.get("/openapi.yaml", async (request, response) => {
    response.type("application/yaml").send(stringify(await document(request), { aliasDuplicateObjects: false }));
  });
  router.get("/docs", (_request, response) => {
    response.setHeader("content-security-policy", pagePolicy);
    response.type("html").send(swaggerPage);
  });
  router.get("/redoc", (_request, response) => {
    response.setHeader("content-security-policy", pagePolicy);
    response.type("html").send(redocPage);
  });
  router.get("/docs/assets/docs-init.js", (_request, response) => {
    response.type("application/javascript").send(swaggerInit);
  });
  router.get("/docs/assets/redoc.standalone.js", (_request, response) => {
    // The package sits under pnpm's `.pnpm` directory: a dot in the path is not a dotfile here.
    response.sendFile(redocScript, { dotfiles: "allow" });
  });
  router.use("/docs/assets", express.static(swaggerUiDir, { index: false }));
  return router;
}
