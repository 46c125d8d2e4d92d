import { describe, expect, it } from "vitest";
import type { ServerSpec } from "./config-file.ts";
import { argumentMatches, assertStdioAllowed, compileStdioAllow, StdioAllowList, stdioAllowProblem } from "./stdio-allow.ts";

const rule = "stdio servers added over the API must match MCP_STDIO_ALLOW";

describe("argument patterns", () => {
  it.each([
    ["@modelcontextprotocol/server-*", "@modelcontextprotocol/server-github"],
    ["@modelcontextprotocol/server-*", "@modelcontextprotocol/server-"],
    ["/opt/mcp/*.js", "/opt/mcp/weather.js"],
    ["/opt/mcp/*.js", "/opt/mcp/weather.v2.js"],
    ["/opt/mcp/*/index.js", "/opt/mcp/a_b-c/index.js"],
    ["--port=*", "--port=8080"],
    ["*", "stdio"],
    ["**", "stdio"],
    ["stdio", "stdio"],
  ])("%s matches %s", (pattern, text) => {
    expect(argumentMatches(pattern, text)).toBe(true);
  });

  it.each([
    // `*` never crosses a slash, an @ (npm's `name@npm:other` aliases), a colon, an equals sign or a space.
    ["@modelcontextprotocol/server-*", "@modelcontextprotocol/server-x@npm:evil"],
    ["@modelcontextprotocol/server-*", "@modelcontextprotocol/server-x/../../evil"],
    ["@modelcontextprotocol/server-*", "@modelcontextprotocol/server-a b"],
    ["/opt/mcp/*.js", "/opt/mcp/../../tmp/evil.js"],
    ["/opt/mcp/*.js", "/opt/mcp/sub/evil.js"],
    ["/opt/mcp/*/index.js", "/opt/mcp/../index.js"],
    ["/opt/mcp/*.js", "/opt/mcp/weather.mjs"],
    ["/opt/mcp/*.js", "/opt/mcp/weather.js.bak"],
    ["/opt/mcp/*.js", "x/opt/mcp/weather.js"],
    ["--port=*", "--port=1;id"],
    // A leading `*` names no option: options are spelled out.
    ["*", "-e"],
    ["*", "--import=x"],
    ["*", "data:text/javascript,1"],
    ["stdio", "Stdio"],
    ["a*", `${"a".repeat(4000)}!`],
  ])("%s does not match %s", (pattern, text) => {
    expect(argumentMatches(pattern, text)).toBe(false);
  });

  it("stays fast on patterns and arguments built to backtrack", () => {
    const pattern = "*a".repeat(30);
    expect(argumentMatches(pattern, "a".repeat(4000))).toBe(true);
    expect(argumentMatches(`${pattern}b`, "a".repeat(4000))).toBe(false);
  });
});

describe("the allow-list", () => {
  const allow = compileStdioAllow(
    StdioAllowList.parse([
      { command: "npx", args: ["-y", "@modelcontextprotocol/server-*"] },
      { command: "node", args: ["/opt/mcp/*.js"] },
      { command: "/usr/local/bin/weather" },
    ]),
    [],
  );

  it("allows what a pattern names, with exactly as many arguments", () => {
    expect(stdioAllowProblem(allow, "npx", ["-y", "@modelcontextprotocol/server-github"])).toBeUndefined();
    expect(stdioAllowProblem(allow, "node", ["/opt/mcp/weather.js"])).toBeUndefined();
    expect(stdioAllowProblem(allow, "/usr/local/bin/weather", [])).toBeUndefined();
  });

  it.each([
    ["npx", ["-y", "@modelcontextprotocol/server-github", "--extra"]],
    ["npx", ["@modelcontextprotocol/server-github"]],
    ["npx", ["--yes", "@modelcontextprotocol/server-github"]],
    ["npx", ["-y", "evil-package"]],
    ["/usr/bin/npx", ["-y", "@modelcontextprotocol/server-github"]],
    ["node", ["--require", "/opt/mcp/weather.js"]],
    ["node", ["/opt/mcp/weather.js", "--inspect"]],
    ["/usr/local/bin/weather", ["--config", "x"]],
    ["sed", ["-n", "1e touch /tmp/x"]],
  ])("refuses %s %j, naming the rule and the command", (command, args) => {
    const problem = stdioAllowProblem(allow, command, args);
    expect(problem).toContain(`${rule}; '${command}`);
    expect(problem).toContain("' does not (it allows 'npx -y @modelcontextprotocol/server-*', 'node /opt/mcp/*.js'");
  });

  it("quotes arguments with spaces and throws invalid_request with the param", () => {
    expect(stdioAllowProblem(allow, "sed", ["-n", "1e touch /tmp/x"])).toContain(`'sed -n "1e touch /tmp/x"' does not`);
    expect(() => assertStdioAllowed(allow, { command: "sh", args: ["-c", "id"] }, "server.command")).toThrow(
      expect.objectContaining({ code: "invalid_request", param: "server.command" }),
    );
  });

  it("allows nothing when empty, and says so", () => {
    expect(stdioAllowProblem(compileStdioAllow([], []), "node", ["/opt/mcp/weather.js"])).toBe(
      `${rule}; 'node /opt/mcp/weather.js' does not (it allows none)`,
    );
  });

  it('expands "catalog" to the catalog\'s runnable stdio entries, compared literally', () => {
    const spec = (id: string, config: ServerSpec["config"], unavailable?: string): ServerSpec => ({
      id,
      name: id,
      description: "",
      config,
      ...(unavailable ? { unavailable } : {}),
    });
    const catalog = [
      spec("everything", { command: "/usr/bin/node", args: ["/srv/everything/index.js", "stdio"], env: {} }),
      spec("literal-star", { command: "tool", args: ["*"], env: {} }),
      spec("missing", { command: "/usr/bin/node", args: ["missing/index.js"], env: {} }, "not installed"),
      spec("remote", { url: "https://example.com/mcp", headers: {}, transport: "http" }),
    ];
    const fromCatalog = compileStdioAllow(["catalog"], catalog);
    expect(fromCatalog.patterns).toHaveLength(2);
    expect(stdioAllowProblem(fromCatalog, "/usr/bin/node", ["/srv/everything/index.js", "stdio"])).toBeUndefined();
    expect(stdioAllowProblem(fromCatalog, "tool", ["*"])).toBeUndefined();
    expect(stdioAllowProblem(fromCatalog, "tool", ["anything"])).toBeDefined();
    expect(stdioAllowProblem(fromCatalog, "/usr/bin/node", ["missing/index.js"])).toBeDefined();
  });

  it("is checked when it is configured", () => {
    expect(StdioAllowList.safeParse(["catalog", { command: "node", args: ["/opt/*.js"] }]).success).toBe(true);
    expect(StdioAllowList.safeParse(["everything"]).success).toBe(false);
    expect(StdioAllowList.safeParse([{ command: "", args: [] }]).success).toBe(false);
    expect(StdioAllowList.safeParse([{ command: "node", args: ["x"], env: {} }]).success).toBe(false);
    expect(StdioAllowList.safeParse({ command: "node" }).success).toBe(false);
  });
});
