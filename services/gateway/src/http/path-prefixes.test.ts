import express, { Router } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipOtherPaths } from "./path-prefixes.ts";
import { routeTable } from "./route-table.ts";

/** Two routers in front of a catch-all, each answering with its name, and counting what entered it. */
function buildApp() {
  const entered = { fixed: 0, open: 0 };
  const fixed = Router();
  fixed.use((_request, _response, next) => {
    entered.fixed += 1;
    next();
  });
  const inner = Router();
  inner.get("/v1/keys", (_request, response) => void response.send("keys"));
  inner.get("/v1/keys/:id/rotate", (_request, response) => void response.send("rotate"));
  inner.get("/api/v1/auth/me/", (_request, response) => void response.send("me"));
  inner.get("/files/report.:ext", (_request, response) => void response.send("file"));
  const open = Router();
  open.get("/:name/run", (_request, response) => {
    entered.open += 1;
    response.send("run");
  });
  const app = express();
  // `fixed` has a middleware with no path: it can see any request, so it must not be skipped.
  const gatedInner = skipOtherPaths(inner);
  app.use(gatedInner);
  app.use(skipOtherPaths(fixed));
  app.use(skipOtherPaths(open));
  app.use((_request, response) => void response.status(404).send("none"));
  return { app, entered, gatedInner, inner, open };
}

let base = "";
let server: import("node:http").Server | undefined;
const built = buildApp();

beforeAll(async () => {
  const listening = built.app.listen(0, "127.0.0.1");
  server = listening;
  await new Promise((resolve) => listening.once("listening", resolve));
  const address = listening.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(() => {
  server?.close();
});

const text = async (path: string) => (await fetch(`${base}${path}`)).text();

describe("skipOtherPaths", () => {
  it("still answers every path of the router: case-insensitive, trailing slash optional, parameters after the fixed part", async () => {
    expect(await text("/v1/keys")).toBe("keys");
    expect(await text("/V1/KEYS/")).toBe("keys");
    expect(await text("/v1/keys/k-1/rotate")).toBe("rotate");
    expect(await text("/api/v1/auth/me")).toBe("me");
    expect(await text("/files/report.pdf")).toBe("file");
  });

  it("lets other paths past, to the routers after it", async () => {
    expect(await text("/greet/run")).toBe("run");
    expect(await text("/v1/keysmith")).toBe("none");
    expect(await text("/nothing/here/at/all")).toBe("none");
  });

  it("never skips a router that can answer any path (a middleware with no path, a parameter first)", async () => {
    const before = { ...built.entered };
    await text("/somewhere/run");
    expect(built.entered.fixed).toBe(before.fixed + 1);
    expect(built.entered.open).toBe(before.open + 1);
    expect(skipOtherPaths(built.open)).toBe(built.open);
  });

  it("keeps the router's routes visible to the route table", () => {
    const app = express();
    app.use(built.gatedInner);
    expect(routeTable(app).map((route) => route.path)).toEqual(routeTable(express().use(built.inner)).map((route) => route.path));
    expect(routeTable(app).map((route) => route.path)).toContain("/v1/keys/:id/rotate");
  });
});
