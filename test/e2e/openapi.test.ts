import { Validator } from "@seriousme/openapi-schema-validator";
import { apiKeyHeaders, requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { greetYaml } from "./helpers.ts";

// The API described by OpenAPI 3.1 from the router and the routes' own zod schemas, and the pages that show it.
let system: TestSystem;
let url: string;

interface Operation {
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  security?: unknown[];
  "x-switchyard-permission"?: string;
}
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

beforeAll(async () => {
  system = await startSystem({ withSessions: true });
  url = system.url();
  expect((await requestJson(`${url}/deploy-yaml`, { body: { name: "greet", source_code: greetYaml() } })).status).toBe(200);
});
afterAll(async () => {
  await system?.stop();
});

const spec = async (key: boolean): Promise<Spec> => {
  const response = await fetch(`${url}/openapi.json`, { headers: key ? apiKeyHeaders() : {} });
  expect(response.status).toBe(200);
  return (await response.json()) as Spec;
};

describe("OpenAPI", () => {
  it("is a valid OpenAPI 3.1 document, the same as JSON and as YAML, open without a key", async () => {
    const open = await spec(false);
    expect(open.openapi).toBe("3.1.0");
    const result = await new Validator().validate(open as unknown as Record<string, unknown>);
    expect(result.errors ?? [], String(JSON.stringify(result.errors ?? [])).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    const yaml = await fetch(`${url}/openapi.yaml`);
    expect(yaml.headers.get("content-type")).toMatch(/yaml/);
    expect(parse(await yaml.text())).toEqual(open);
    // Every face's routes are there, each with its permission, and open routes say so.
    for (const [path, method] of [
      ["/{name}/run", "post"],
      ["/v1/chat/completions", "post"],
      ["/api/v1/agents/{id}/prompt/sync", "post"],
      ["/a2a/{name}", "post"],
      ["/v1/metrics", "get"],
    ] as const) {
      expect(open.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(open.paths["/v1/metrics"]?.get?.["x-switchyard-permission"]).toBe("metrics.read");
    expect(open.paths["/healthz"]?.get?.security).toEqual([]);
    expect(open.paths["/greet/run"]).toBeUndefined();
  });

  it("lists each deployed pipeline's run with its own input schema for a key that may see it", async () => {
    const keyed = await spec(true);
    const body = keyed.paths["/greet/run"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(body).toMatchObject({ type: "object", properties: { name: { type: "string" } }, required: ["name"] });
    expect((await new Validator().validate(keyed as unknown as Record<string, unknown>)).valid).toBe(true);
  });

  it("lets a client check its requests against the document before calling three routes", async () => {
    const document = await spec(true);
    const ajv = new Ajv2020({ strict: false });
    const check = (path: string, candidate: unknown) => {
      const schema = document.paths[path]?.post?.requestBody?.content["application/json"]?.schema;
      expect(schema, path).toBeDefined();
      return ajv.validate(schema ?? {}, candidate);
    };
    const agent = { id: "documented", name: "Documented", model: "default", system_prompt: "Be brief." };
    expect(check("/api/v1/agents", agent)).toBe(true);
    expect(check("/api/v1/agents", { name: "no id" })).toBe(false);
    expect((await requestJson(`${url}/api/v1/agents`, { body: agent })).status).toBe(201);
    const prompt = { message: "hello docs" };
    expect(check("/api/v1/agents/{id}/prompt/sync", prompt)).toBe(true);
    expect((await requestJson(`${url}/api/v1/agents/documented/prompt/sync`, { body: prompt })).status).toBe(200);
    const inputs = { name: "Ada" };
    expect(check("/greet/run", inputs)).toBe(true);
    expect(check("/greet/run", { nom: "Ada" })).toBe(false);
    expect((await requestJson(`${url}/greet/run`, { body: inputs })).status).toBe(200);
    // What the document refuses, the gateway refuses too.
    expect((await requestJson(`${url}/greet/run`, { body: { nom: "Ada" } })).status).toBe(422);
  });

  it("serves Swagger UI at /docs and ReDoc at /redoc from the npm packages, with no CDN", async () => {
    const init = await (await fetch(`${url}/docs/assets/docs-init.js`)).text();
    expect(init).toContain('url: "/openapi.json"');
    for (const [page, script, specAt] of [
      ["/docs", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/docs-init.js"],
      ["/redoc", "/docs/assets/redoc.standalone.js", 'spec-url="/openapi.json"'],
    ] as const) {
      const html = await (await fetch(`${url}${page}`)).text();
      expect(html).toContain(script);
      expect(html).toContain(specAt);
      expect(html).not.toMatch(/https?:\/\//);
      const asset = await fetch(`${url}${script}`);
      expect(asset.status, `${script}: ${asset.status === 200 ? "" : await asset.clone().text()}`).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(100_000);
    }
    expect((await fetch(`${url}/docs/assets/swagger-ui.css`)).status).toBe(200);
    expect((await fetch(`${url}/docs/assets/no-such-file.js`)).status).toBe(404);
  });

  it("renders its operations in a real browser, in Swagger UI and in ReDoc", async () => {
    // Debian's chromium (.ci/run installs it); CHROMIUM_PATH names another.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      // What the pages fetched from anywhere but this gateway (their policy blocks it before it is sent).
      const elsewhere: string[] = [];
      page.on("requestfinished", (request) => {
        if (!/^(data:|blob:)/.test(request.url()) && !request.url().startsWith(url)) elsewhere.push(request.url());
      });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${url}/docs`);
      // Every area is a tag; opening one shows its operations.
      await page.waitForSelector(".opblock-tag", { timeout: 30_000 });
      await expect.poll(() => page.locator(".opblock-tag").count(), { timeout: 30_000 }).toBeGreaterThan(20);
      await page
        .locator(".opblock-tag", { hasText: /^v1-chat/ })
        .first()
        .click();
      await page.waitForSelector(".opblock-summary-path:has-text('/v1/chat/completions')", { timeout: 30_000 });
      expect(errors).toEqual([]);
      await page.goto(`${url}/redoc`);
      await page.waitForSelector("[data-section-id^='operation/']", { timeout: 30_000 });
      await expect.poll(() => page.locator("[data-section-id^='operation/']").count(), { timeout: 30_000 }).toBeGreaterThan(100);
      expect(elsewhere).toEqual([]);
      expect((await fetch(`${url}/redoc`)).headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    } finally {
      await browser.close();
    }
  });
});
