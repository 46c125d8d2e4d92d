import { AppError, errorCodes } from "@switchyard/errors";
import { createLogger, initTelemetry } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpClient } from "./mcp.ts";
import { createRegistryClient, serveRegistry } from "./registry.ts";
import { createGrpcServer, type GrpcServer } from "./server.ts";
import { grpcStatusByCode } from "./status.ts";

const options = { logger: createLogger({ service: "test", level: "silent" }), tracer: initTelemetry({ serviceName: "test" }).tracer };
let server: GrpcServer;
let address: string;

beforeAll(async () => {
  server = createGrpcServer();
  serveRegistry(
    server,
    {
      getDefinition: async (name) => {
        if (name === "tool-error") {
          throw new AppError("upstream_error", "the tool said no", { param: "tool", details: { server: "x" }, retryable: false });
        }
        if (name === "crash") throw new Error("a secret stack detail");
        throw new AppError("not_found", `'${name}' is not deployed`, { param: "name" });
      },
      listDefinitions: async () => ({ items: [], total: 0 }),
    },
    options,
  );
  address = `127.0.0.1:${await server.listen("127.0.0.1:0")}`;
});
afterAll(() => server.stop());

describe("errors across gRPC", () => {
  it("maps every code to a non-OK status", () => {
    for (const code of errorCodes) expect(grpcStatusByCode[code]).toBeGreaterThan(0);
  });

  it("delivers the whole error: code, message, param, details and a retryability that differs from the code's", async () => {
    const client = createRegistryClient(address);
    try {
      const failure = await client.getDefinition("tool-error", { deadlineMs: 2000 }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({ code: "upstream_error", message: "the tool said no", param: "tool", details: { server: "x" } });
      // upstream_error is retryable by default; this one said it is not, and that survived the hop.
      expect(failure).toMatchObject({ retryable: false });
      await expect(client.getDefinition("ghost", { deadlineMs: 2000 })).rejects.toMatchObject({ code: "not_found", param: "name" });
    } finally {
      client.close();
    }
  });

  it("never sends an unknown failure's message or stack", async () => {
    const client = createRegistryClient(address);
    try {
      const failure = await client.getDefinition("crash", { deadlineMs: 2000 }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "internal", message: "internal error" });
    } finally {
      client.close();
    }
  });

  it("maps a bare status from a peer that sent no Switchyard error", async () => {
    // This server hosts no mcp service: grpc-js itself answers UNIMPLEMENTED.
    const client = createMcpClient(address);
    try {
      await expect(client.listTools("x", { deadlineMs: 2000 })).rejects.toMatchObject({ code: "not_implemented" });
    } finally {
      client.close();
    }
  });
});
