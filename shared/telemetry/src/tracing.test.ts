import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { initTelemetry, withSpan } from "./tracing.ts";

describe("telemetry", () => {
  it("exports spans over OTLP/HTTP when an endpoint is configured", async () => {
    const received: { path: string; bytes: number }[] = [];
    const server = createServer((request, response) => {
      let bytes = 0;
      request.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      request.on("end", () => {
        received.push({ path: request.url ?? "", bytes });
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const telemetry = initTelemetry({ serviceName: "test", otlpEndpoint: endpoint });
    await withSpan(telemetry.tracer, "work", { answer: 42 }, async () => "done");
    await telemetry.shutdown();
    server.close();
    expect(received.length).toBeGreaterThan(0);
    expect(received[0]?.path).toBe("/v1/traces");
    expect(received[0]?.bytes).toBeGreaterThan(0);
  });
});
