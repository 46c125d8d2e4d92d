import { commonEnv, parseEnv } from "@switchyard/config";
import { describe, expect, it } from "vitest";
import { gatewayEnv } from "./config.ts";

const parse = (env: Record<string, string>) => parseEnv({ ...commonEnv, ...gatewayEnv }, env);

describe("gateway configuration", () => {
  it("requires every service in /readyz by default, and takes a shorter list", () => {
    expect(parse({}).GATEWAY_READY_SERVICES).toEqual(["registry", "executor", "access", "session", "mcp", "scheduler"]);
    expect(parse({ GATEWAY_READY_SERVICES: "registry, executor,access" }).GATEWAY_READY_SERVICES).toEqual([
      "registry",
      "executor",
      "access",
    ]);
  });

  it("refuses a readiness list naming a service it cannot ping, instead of quietly requiring less", () => {
    expect(() => parse({ GATEWAY_READY_SERVICES: "registry,executer" })).toThrow(/not a service \/readyz can ping: executer/);
  });
});
