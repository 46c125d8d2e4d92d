import { randomBytes } from "node:crypto";
import { checkGrpcHealth } from "@switchyard/grpc";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greetYaml } from "./helpers.ts";

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({ env: { LOG_LEVEL: "debug" } });
});
afterAll(async () => {
  await system?.stop();
});

function traceparent(): { header: string; traceId: string } {
  const traceId = randomBytes(16).toString("hex");
  return { header: `00-${traceId}-${randomBytes(8).toString("hex")}-01`, traceId };
}

/** Log lines of a service that carry the trace id, by message. */
function linesWithTrace(lines: string[], traceId: string): string[] {
  return lines.flatMap((line) => {
    try {
      const fields = JSON.parse(line) as { trace_id?: string; msg?: string };
      return fields.trace_id === traceId && fields.msg ? [fields.msg] : [];
    } catch {
      return [];
    }
  });
}

describe("gRPC health", () => {
  it("serves grpc.health.v1 for the server and the registry service", async () => {
    const address = system.env.REGISTRY_GRPC_ADDRESS ?? "";
    expect(await checkGrpcHealth(address)).toBe("SERVING");
    expect(await checkGrpcHealth(address, "switchyard.registry.v1.Registry")).toBe("SERVING");
    await expect(checkGrpcHealth(address, "no.such.Service")).rejects.toMatchObject({ code: 5 });
  });
});

describe("one trace per request", () => {
  it("carries the caller's traceparent over HTTP, NATS and gRPC into every service's logs", async () => {
    const url = system.url();
    const deployTrace = traceparent();
    const deployed = await requestJson(`${url}/deploy-yaml`, {
      body: { name: "hello", source_code: greetYaml() },
      headers: { traceparent: deployTrace.header },
    });
    expect(deployed.status).toBe(200);

    const runTrace = traceparent();
    const run = await requestJson(`${url}/hello/run`, { body: { name: "Ada" }, headers: { traceparent: runTrace.header } });
    expect(run.status).toBe(200);
    expect(run.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const registryLines = () => system.registry?.recentLines() ?? [];
    const executorLines = () => system.executors.flatMap((executor) => executor.recentLines());
    // HTTP → NATS: the registry handled the deploy inside the caller's trace.
    await expect.poll(() => linesWithTrace(registryLines(), deployTrace.traceId)).toContain("definition deployed");
    // HTTP → NATS → executor, and executor → gRPC → registry.
    await expect.poll(() => linesWithTrace(executorLines(), runTrace.traceId)).toContain("run started");
    await expect.poll(() => linesWithTrace(registryLines(), runTrace.traceId)).toContain("definition served");

    // HTTP → NATS → executor → JetStream → whichever executor runs it: one trace from submission to run.
    const backgroundTrace = traceparent();
    const submitted = await requestJson(`${url}/v1/pipelines/hello/runs`, {
      body: { name: "Ada" },
      headers: { traceparent: backgroundTrace.header },
    });
    expect(submitted.status).toBe(202);
    await expect.poll(() => linesWithTrace(executorLines(), backgroundTrace.traceId)).toContain("execution started");
  });
});
