import { describe, expect, it } from "vitest";
import { createSubjects } from "./subjects.ts";

describe("subjects", () => {
  it("builds every subject from the table, under a prefix", () => {
    const subjects = createSubjects("staging.sy");
    expect(subjects.request("execRun")).toBe("staging.sy.exec.run");
    expect(subjects.event("definitionChanged")).toBe("staging.sy.registry.definition.changed");
    expect(subjects.run("abc_DEF-123", "events")).toBe("staging.sy.run.abc_DEF-123.events");
    expect(subjects.runAll("r1")).toBe("staging.sy.run.r1.>");
  });

  it("refuses tokens that would change a subject's meaning", () => {
    expect(() => createSubjects("a.*")).toThrow();
    expect(() => createSubjects("sy").run("a.b", "events")).toThrow();
    expect(() => createSubjects("sy").run(">", "cancel")).toThrow();
  });
});
