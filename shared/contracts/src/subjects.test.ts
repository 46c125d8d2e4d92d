import { describe, expect, it } from "vitest";
import { endpoints } from "./endpoints.ts";
import { createSubjects } from "./subjects.ts";

describe("subjects", () => {
  it("builds every subject from the tables, under a prefix", () => {
    const subjects = createSubjects("staging.sy");
    expect(subjects.endpoint(endpoints.execRun)).toBe("staging.sy.exec.run");
    expect(subjects.endpoint(endpoints.gatewayMcpSession, "s-1")).toBe("staging.sy.gateway.mcp-session.s-1");
    expect(subjects.event("definitionChanged")).toBe("staging.sy.registry.definition.changed");
    expect(subjects.run("abc_DEF-123", "events")).toBe("staging.sy.run.abc_DEF-123.events");
    expect(subjects.runAll("r1")).toBe("staging.sy.run.r1.>");
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
    expect(() => createSubjects("sy").run("a.b", "events")).toThrow();
    expect(() => createSubjects("sy").run(">", "cancel")).toThrow();
    expect(() => createSubjects("sy").endpoint(endpoints.gatewayMcpSession, "a.>")).toThrow();
  });
});
