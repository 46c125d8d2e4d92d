import { describe, expect, it } from "vitest";
import { endpoints } from "./endpoints.ts";
import { createSubjects } from "./subjects.ts";

describe("subjects", () => {
  it("builds every subject from the tables, under a prefix", () => {
    const subjects = createSubjects("staging.sy");
    expect(subjects.endpoint(endpoints.execRun)).toBe("staging.sy.exec.run");
    expect(subjects.endpoint(endpoints.gatewayMcpSession, "s-1")).toBe("staging.sy.gateway.mcp-session.s-1");
    expect(subjects.event("definitionChanged")).toBe("staging.sy.registry.definition.changed");
    expect(subjects.link("gateway", "abc_DEF-123")).toBe("staging.sy.link.gateway.abc_DEF-123");
    expect(subjects.link("executor", "e1")).toBe("staging.sy.link.executor.e1");
    expect(subjects.linkStatus("g1", "run-1")).toBe("staging.sy.link.gateway.g1.run-1");
    expect(subjects.linkStatus("g1")).toBe("staging.sy.link.gateway.g1.*");
  });

  it("gives every endpoint its own subject, answered by its service's queue group unless all replicas answer", () => {
    const all = Object.values(endpoints);
    expect(new Set(all.map((entry) => entry.subject)).size).toBe(all.length);
    for (const entry of all) if (entry.queue !== undefined) expect(entry.queue).toBe(entry.service);
    // Queue group names are subject tokens: a name with spaces would make the server drop the connection.
    for (const entry of all) if (entry.queue !== undefined) expect(entry.queue).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(endpoints.execPing.queue).toBeUndefined();
    expect(endpoints.gatewayMcpSession.queue).toBeUndefined();
  });

  it("refuses tokens that would change a subject's meaning", () => {
    expect(() => createSubjects("a.*")).toThrow();
    expect(() => createSubjects("sy").link("gateway", "a.b")).toThrow();
    expect(() => createSubjects("sy").link("executor", ">")).toThrow();
    expect(() => createSubjects("sy").linkStatus("g1", "*")).toThrow();
    expect(() => createSubjects("sy").endpoint(endpoints.gatewayMcpSession, "a.>")).toThrow();
  });
});
