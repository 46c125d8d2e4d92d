import { describe, expect, it } from "vitest";
import { parseAllowlist, rebuildCasts, serializeAllowlist } from "./allowlist.ts";
import { ALLOWLIST_PATH, type Allowlist, checkAllowlist, checkSource, isProduction, mayReadEnv, TODO_WHY } from "./rules.ts";

const prod = "services/gateway/src/x.ts";
const empty: Allowlist = { codecs: [], casts: [] };

function rulesOf(path: string, text: string, allowlist: Allowlist = empty): string[] {
  return checkSource(path, text, allowlist).map((v) => `${v.line}:${v.rule}`);
}

describe("paths", () => {
  it("knows production code", () => {
    expect(isProduction("services/gateway/src/routes/a.ts")).toBe(true);
    expect(isProduction("shared/nats/src/codec.ts")).toBe(true);
    expect(isProduction("services/gateway/src/a.test.ts")).toBe(false);
    expect(isProduction("shared/testing/src/infra.ts")).toBe(false);
    expect(isProduction("shared/grpc/src/generated/x.ts")).toBe(false);
    expect(isProduction("shared/grpc/scripts/generate.ts")).toBe(false);
    expect(isProduction("test/e2e/chat.test.ts")).toBe(false);
  });

  it("knows where process.env may be read", () => {
    expect(mayReadEnv("services/mcp/src/config.ts")).toBe(true);
    expect(mayReadEnv("services/mcp/src/main.ts")).toBe(true);
    expect(mayReadEnv("shared/config/src/models.ts")).toBe(true);
    expect(mayReadEnv("services/mcp/src/sub/main.ts")).toBe(false);
    expect(mayReadEnv("shared/local/src/main.ts")).toBe(false);
  });
});

describe("no-json-parse", () => {
  it("catches JSON.parse calls and references in production code", () => {
    expect(rulesOf(prod, 'const a = JSON.parse("{}");\nconst b = lines.map(JSON.parse);\n')).toEqual([
      "1:no-json-parse",
      "2:no-json-parse",
    ]);
    expect(rulesOf(prod, 'globalThis.JSON["parse"]("1");')).toEqual(["1:no-json-parse"]);
  });

  it("allows codecs, tests, comments, strings and other parse methods", () => {
    expect(rulesOf("shared/nats/src/codec.ts", "JSON.parse(text);", { codecs: ["shared/nats/src/codec.ts"], casts: [] })).toEqual([]);
    expect(rulesOf("services/gateway/src/x.test.ts", "JSON.parse(text);")).toEqual([]);
    expect(rulesOf("test/e2e/a.ts", "JSON.parse(text);")).toEqual([]);
    expect(rulesOf(prod, '// never JSON.parse( here\nconst s = "JSON.parse(x)";\nSchema.parse(x);\nJSON.stringify(x);\n')).toEqual([]);
  });
});

describe("no-process-env", () => {
  it("catches process.env in production code", () => {
    expect(rulesOf(prod, "const a = process.env.HOME;\nconst b = process.env;\nconst c = process['env'];\n")).toEqual([
      "1:no-process-env",
      "2:no-process-env",
      "3:no-process-env",
    ]);
    expect(rulesOf(prod, "const { env } = process;")).toEqual(["1:no-process-env"]);
    expect(rulesOf(prod, 'import { env } from "node:process";')).toEqual(["1:no-process-env"]);
  });

  it("reports each read once, by name", () => {
    const [violation] = checkSource(prod, "const a = process.env.HOME;", empty);
    expect(violation?.message).toMatch(/^process\.env\.HOME /);
    expect(checkSource(prod, "const a = process.env.HOME;", empty)).toHaveLength(1);
  });

  it("allows config files, service mains, the config package, tests and comments", () => {
    expect(rulesOf("services/mcp/src/config.ts", "export const e = process.env;")).toEqual([]);
    expect(rulesOf("services/mcp/src/main.ts", "export const e = process.env;")).toEqual([]);
    expect(rulesOf("shared/config/src/common.ts", "export const e = process.env;")).toEqual([]);
    expect(rulesOf("shared/testing/src/infra.ts", "export const e = process.env;")).toEqual([]);
    expect(rulesOf(prod, "/** reads `process.env` */\nconst s = 'process.env.X';\nconst p = process.pid;\n")).toEqual([]);
  });
});

describe("max-lines", () => {
  it("catches files over 400 lines, tests included, generated code excluded", () => {
    const long = "const x = 1;\n".repeat(401);
    expect(rulesOf("test/e2e/big.test.ts", long)).toEqual(["401:max-lines"]);
    expect(rulesOf("test/e2e/ok.test.ts", "const x = 1;\n".repeat(400))).toEqual([]);
    expect(rulesOf("shared/grpc/src/generated/big.ts", long)).toEqual([]);
  });
});

describe("no-export-star", () => {
  it("catches export * and export * as, anywhere", () => {
    expect(rulesOf("test/e2e/a.ts", 'export * from "./b.ts";\nexport * as c from "./c.ts";\nexport type * from "./d.ts";\n')).toEqual([
      "1:no-export-star",
      "2:no-export-star",
      "3:no-export-star",
    ]);
  });

  it("allows named re-exports", () => {
    expect(rulesOf(prod, 'export { a, type B } from "./b.ts";\nexport { c as d };\n')).toEqual([]);
  });
});

describe("casts", () => {
  const withCast = (type: string, file = prod): Allowlist => ({ codecs: [], casts: [{ file, type, why: "because" }] });

  it("catches as and angle-bracket assertions that are not allow-listed", () => {
    expect(rulesOf(prod, "const a = x as BaseEvent;\nconst b = <Foo>y;\n")).toEqual(["1:casts", "2:casts"]);
  });

  it("does not count as const, <const> or satisfies, nor casts outside production code", () => {
    expect(rulesOf(prod, "const a = [1] as const;\nconst b = <const>[2];\nconst c = { x: 1 } satisfies Shape;\n")).toEqual([]);
    expect(rulesOf("services/gateway/src/x.test.ts", "const a = x as Foo;")).toEqual([]);
    expect(rulesOf(prod, '// x as Foo\nconst s = "y as Bar";\n')).toEqual([]);
  });

  it("passes allow-listed casts, matching the type text exactly, one entry per cast", () => {
    expect(rulesOf(prod, "const a = x as BaseEvent;", withCast("BaseEvent"))).toEqual([]);
    expect(rulesOf(prod, "const a = x as Record<string,\n  unknown>;", withCast("Record<string, unknown>"))).toEqual([]);
    expect(rulesOf(prod, "const a = x as Event;", withCast("BaseEvent"))).toEqual(["1:casts", "1:casts"]);
    expect(rulesOf(prod, "const a = x as BaseEvent;\nconst b = y as BaseEvent;\n", withCast("BaseEvent"))).toEqual(["2:casts"]);
  });

  it("folds a double cast through unknown into one entry", () => {
    expect(rulesOf(prod, "const a = x as unknown as Token[];", withCast("unknown as Token[]"))).toEqual([]);
    expect(rulesOf(prod, "const a = x as unknown;", withCast("unknown"))).toEqual([]);
  });

  it("reports stale entries at their allow-list line", () => {
    const allowlist = withCast("Gone");
    const [entry] = allowlist.casts;
    if (entry) entry.line = 7;
    expect(checkSource(prod, "const a = 1;", allowlist)).toEqual([
      { path: ALLOWLIST_PATH, line: 7, rule: "casts", message: expect.stringContaining("stale entry") },
    ]);
    const test = "services/gateway/src/x.test.ts";
    expect(checkSource(test, "const a = x as Foo;", withCast("Foo", test)).map((v) => v.message)).toEqual([
      expect.stringContaining("not production code"),
    ]);
  });

  it("reports entries for untracked files and entries without a why", () => {
    const allowlist: Allowlist = { codecs: [], casts: [{ file: "services/gone/src/a.ts", type: "T", why: TODO_WHY, line: 3 }] };
    expect(checkAllowlist(allowlist, new Set([prod])).map((v) => v.message)).toEqual([
      expect.stringContaining("file is not a tracked .ts file"),
      expect.stringContaining("needs a why"),
    ]);
  });
});

describe("allow-list file", () => {
  it("round-trips and keeps existing whys when rebuilt", () => {
    const casts = rebuildCasts(
      [
        { file: "b.ts", type: "B", line: 2 },
        { file: "a.ts", type: "A", line: 9 },
        { file: "a.ts", type: "A", line: 1 },
      ],
      [{ file: "a.ts", type: "A", why: "kept" }],
    );
    expect(casts).toEqual([
      { file: "a.ts", type: "A", why: "kept" },
      { file: "a.ts", type: "A", why: TODO_WHY },
      { file: "b.ts", type: "B", why: TODO_WHY },
    ]);
    const parsed = parseAllowlist(serializeAllowlist({ codecs: ["c.ts"], casts }));
    expect(parsed.codecs).toEqual(["c.ts"]);
    expect(parsed.casts.map((entry) => [entry.file, entry.line])).toEqual([
      ["a.ts", 4],
      ["a.ts", 5],
      ["b.ts", 6],
    ]);
  });

  it("rejects a malformed allow-list", () => {
    expect(() => parseAllowlist('{"codecs": [1], "casts": []}')).toThrow(/codecs/);
    expect(() => parseAllowlist('{"codecs": [], "casts": [{"file": "a.ts"}]}')).toThrow(/type/);
  });
});
