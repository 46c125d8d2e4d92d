import { connect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let url: string;

beforeAll(async () => {
  system = await startSystem({ env: { GATEWAY_BODY_TIMEOUT_MS: "1500", GATEWAY_HEADERS_TIMEOUT_MS: "1000" } });
  url = system.url();
  expect((await requestJson(`${url}/deploy-yaml`, { body: { name: "hello", source_code: greetYaml() } })).status).toBe(200);
  const echo =
    "inputs: { text: { type: string } }\ncomponents:\n  t: { type: template, template: '{{ text }}' }\noutputs: { text: t.text }\n";
  expect((await requestJson(`${url}/deploy-yaml`, { body: { name: "echo", source_code: echo } })).status).toBe(200);
});
afterAll(async () => {
  await system?.stop();
});

/** A raw socket to the gateway, and a promise of its close. */
function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      let received = "";
      socket.on("data", (piece: Buffer) => {
        received += piece.toString();
      });
      const closed = new Promise<string>((done) => socket.once("close", () => done(received)));
      resolve({ socket, closed });
    });
    socket.once("error", reject);
  });
}

describe("slow clients", () => {
  it("closes sockets that send headers and then nothing, or a byte at a time, with 408", async () => {
    const port = Number(new URL(url).port);
    const silent = await Promise.all(Array.from({ length: 40 }, () => rawSocket(port)));
    for (const { socket } of silent) {
      socket.write(
        `POST /hello/run HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${system.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
      );
    }
    const trickle = await rawSocket(port);
    trickle.socket.write("POST /hello/run HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const timer = setInterval(() => trickle.socket.write("X-Slow: a\r\n"), 300);
    try {
      const answers = await Promise.all([...silent, trickle].map(({ closed }) => closed));
      // Every socket was closed by the gateway (the test never closes them), with 408: the trickling one too.
      expect(answers.filter((answer) => answer.startsWith("HTTP/1.1 408")).length).toBe(41);
    } finally {
      clearInterval(timer);
    }
    // The gateway still serves.
    expect((await requestJson(`${url}/hello/run`, { body: { name: "Ada" } })).status).toBe(200);
  });
});

describe("client errors are client errors", () => {
  it("answers 400 to a body that says gzip and is not", async () => {
    const response = await requestJson(`${url}/hello/run`, {
      rawBody: '{"name":"Ada"}',
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    });
    expectError(response, 400, "invalid_request");
    const real = await fetch(`${url}/hello/run`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip", "x-api-key": system.adminKey },
      body: gzipSync(JSON.stringify({ name: "Ada" })),
    });
    expect(real.status).toBe(200);
  });

  it("answers 400 to JSON nested 10,000 deep", async () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const response = await requestJson(`${url}/hello/run`, {
      rawBody: `{"name":${deep}}`,
      headers: { "content-type": "application/json" },
    });
    expect(expectError(response, 400, "invalid_request").message).toMatch(/nests deeper/);
  });

  it("answers 413 to a body under the limit whose message would not fit the bus", async () => {
    const text = "x".repeat(1024 * 1024 - 200);
    const response = await requestJson(`${url}/echo/run`, { body: { text } });
    expectError(response, 413, "payload_too_large");
  });
});

describe("cross-site requests", () => {
  it("refuses a text/plain POST that would change state, even with authentication off", async () => {
    const open = await system.startGateway({ SWITCHYARD_AUTH: "off" });
    const openUrl = `http://127.0.0.1:${String(open.ready.port)}`;
    const response = await requestJson(`${openUrl}/undeploy/hello`, {
      auth: false,
      rawBody: "{}",
      headers: { "content-type": "text/plain", origin: "http://localhost:5173" },
    });
    expectError(response, 415, "unsupported_media_type");
    const multipart = await requestJson(`${openUrl}/undeploy/hello`, {
      auth: false,
      rawBody: "--x\r\n\r\n--x--",
      headers: { "content-type": "multipart/form-data; boundary=x", origin: "http://localhost:5173" },
    });
    expectError(multipart, 415, "unsupported_media_type");
    // No body at all is a simple request too, when a browser sends it.
    const bodiless = await requestJson(`${openUrl}/undeploy/hello`, {
      auth: false,
      method: "POST",
      headers: { origin: "http://localhost:5173" },
    });
    expect(expectError(bodiless, 415, "unsupported_media_type").message).toMatch(/needs a JSON body or an API key header/);
    expect((await requestJson(`${url}/status/hello`)).status).toBe(200);
    // A client outside a browser (no Origin) undeploys without a body, as Hayhooks' does.
    expect((await requestJson(`${url}/deploy-yaml`, { body: { name: "victim", source_code: greetYaml() } })).status).toBe(200);
    expect((await requestJson(`${openUrl}/undeploy/victim`, { auth: false, method: "POST" })).status).toBe(200);
  });
});

describe("a message bus outage", () => {
  it("answers 503 at once while NATS is down, and serves again when it is back", async () => {
    await system.infra.stopNats();
    try {
      await expect
        .poll(async () => (await requestJson(`${url}/hello/run`, { body: { name: "Ada" } })).status, { timeout: 10_000 })
        .toBe(503);
      const started = performance.now();
      const during = await requestJson(`${url}/hello/run`, { body: { name: "Ada" } });
      console.log(`NATS down → 503 in ${(performance.now() - started).toFixed(0)} ms`);
      expect(expectError(during, 503, "unavailable").message).toMatch(/message bus is unreachable/);
      // AgentSpec's health check says degraded, naming the bus; the liveness probe still answers (a restart would not help).
      const health = await requestJson(`${url}/healthz`, { auth: false });
      expect(health.status).toBe(503);
      expect(health.body).toEqual({
        status: "degraded",
        version: expect.any(String),
        uptime_seconds: expect.any(Number),
        checks: { nats: "unavailable" },
      });
      expect((await requestJson(`${url}/livez`, { auth: false })).body).toEqual({ status: "ok" });
    } finally {
      await system.infra.startNats();
    }
    await expect.poll(async () => (await requestJson(`${url}/hello/run`, { body: { name: "Ada" } })).status, { timeout: 20_000 }).toBe(200);
    expect((await requestJson(`${url}/healthz`, { auth: false })).body).toMatchObject({ status: "ok" });
  });
});
