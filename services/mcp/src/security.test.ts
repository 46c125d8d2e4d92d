import { AppError } from "@switchyard/errors";
import { describe, expect, it } from "vitest";
import {
  apiEnvNameProblem,
  assertSafeServer,
  childEnvironment,
  childPath,
  envNameProblem,
  requiredEnvVars,
  resolveReferences,
  serverProblem,
} from "./security.ts";

/** A `${NAME}` reference to the service's environment. */
const ref = (name: string) => `\${${name}}`;
const stdio = (command: string, args: string[] = [], env: Record<string, string> = {}) => ({ command, args, env });

describe("commands that run code from their arguments", () => {
  const hostile: [string, string[]][] = [
    ["sh", ["-c", "touch /tmp/x"]],
    ["bash", ["-c", "id"]],
    ["bash", ["-lc", "id"]],
    ["/bin/sh", ["-c", "id"]],
    ["/usr/bin/zsh", ["-c", "id"]],
    ["dash", ["-ec", "id"]],
    ["ksh", ["-c", "id"]],
    ["fish", ["--command=id"]],
    ["env", ["sh", "-c", "id"]],
    ["/usr/bin/env", ["-i", "bash", "-c", "id"]],
    ["env", ["-S", "sh -c id"]],
    ["nice", ["-n", "5", "sh", "-c", "id"]],
    ["timeout", ["5", "bash", "-c", "id"]],
    ["busybox", ["sh", "-c", "id"]],
    ["node", ["-e", "require('fs')"]],
    ["node", ['-e"process.exit()"']],
    ["node", ["--eval", "1"]],
    ["node", ["--eval=1"]],
    ["node", ["-p", "1"]],
    ["node", ["--print=1"]],
    ["node", ["-pe", "1"]],
    ["/usr/local/bin/node", ["--no-warnings", "-e", "1"]],
    ["node", ["--import", "data:text/javascript,process.exit()"]],
    ["node", ["--import=Data:text/javascript,process.exit()", "server.js"]],
    ["node", ["--import", "DATA:text/javascript,process.exit()", "server.js"]],
    ["node", ["--env-file=/tmp/.env", "server.js"]],
    ["nodejs", ["-e", "1"]],
    ["bun", ["-e", "1"]],
    ["deno", ["eval", "1"]],
    ["python", ["-c", "import os"]],
    ["python3", ["-c", "import os"]],
    ["python3.12", ["-Ic", "import os"]],
    ["python3", ['-c"import os"']],
    ["python3", ["-W", "ignore", "-c", "import os"]],
    ["python3", ["-m", "timeit", "pass"]],
    ["npx", ["-c", "touch /tmp/x"]],
    ["npx", ["--call", "touch /tmp/x"]],
    ["npx", ["--call=touch /tmp/x"]],
    ["npx", ["-y", "node", "-e", "1"]],
    ["pnpm", ["dlx", "--shell-mode", "x"]],
    ["perl", ["-e", "1"]],
    ["perl", ["-ne", "1"]],
    ["ruby", ["-e", "1"]],
    ["php", ["-r", "1;"]],
    ["lua", ["-e", "1"]],
    ["awk", ["BEGIN{}"]],
    ["sudo", ["mcp-server"]],
    ["uv", ["run", "python", "-c", "1"]],
    ["bash", []],
    ["sh", ["-s"]],
    ["node", ["--no-warnings"]],
    ["python3", []],
  ];
  it.each(hostile)("refuses %s %j", (command, args) => {
    const problem = serverProblem(stdio(command, args));
    expect(problem).toBeDefined();
    expect(() => assertSafeServer(stdio(command, args))).toThrow(AppError);
  });

  it("names the offending command in the error", () => {
    expect(serverProblem(stdio("sh", ["-c", "id"]))).toContain("'sh -c'");
    expect(serverProblem(stdio("python3", ["-c", "1"]))).toContain("'python3 -c'");
    expect(serverProblem(stdio("npx", ["--call=x"]))).toContain("--call");
    expect(() => assertSafeServer(stdio("node", ["-e", "1"]))).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });

  const benign: [string, string[]][] = [
    ["node", ["/srv/server-everything/dist/index.js", "stdio"]],
    ["npx", ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]],
    ["uvx", ["mcp-server-fetch"]],
    ["python3", ["-m", "mcp_server_time", "--local-timezone", "UTC"]],
    ["python3", ["-W", "ignore", "server.py", "-c", "config.yaml"]],
    ["python", ["-u", "server.py"]],
    ["bash", ["./start-server.sh"]],
    ["docker", ["run", "-i", "--rm", "-e", "TOKEN", "mcp/github"]],
    ["/opt/servers/bin/weather", ["--units", "metric"]],
    ["npx", ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/python", "/home/me/node"]],
    ["uvx", ["mcp-server-dev", "--mode", "watch"]],
  ];
  it.each(benign)("allows %s %j", (command, args) => {
    expect(serverProblem(stdio(command, args))).toBeUndefined();
  });

  it("refuses NUL bytes and padded commands", () => {
    expect(serverProblem(stdio("node", ["a\0b"]))).toBeDefined();
    expect(serverProblem(stdio(" node", []))).toBeDefined();
  });
});

describe("environment variables", () => {
  it.each(["NODE_OPTIONS", "node_options", "LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "PYTHONPATH"])(
    "refuses %s",
    (name) => {
      expect(envNameProblem(name)).toBeDefined();
      expect(serverProblem(stdio("node", ["server.js"], { [name]: "x" }))).toContain(name);
    },
  );

  it.each(["PATH", "Path", "HOME", "PYTHONSTARTUP", "PERL5DB"])("refuses %s", (name) => {
    expect(envNameProblem(name)).toBeDefined();
  });

  it("refuses dangerous variables set through env", () => {
    expect(serverProblem(stdio("env", ["LD_PRELOAD=/tmp/x.so", "node", "server.js"]))).toContain("LD_PRELOAD");
    expect(serverProblem(stdio("env", ["GREETING=hi", "node", "server.js"]))).toBeUndefined();
  });

  it("refuses more over the API: what points an allowed program at other code or other trust", () => {
    for (const name of ["npm_config_registry", "NPM_CONFIG_USERCONFIG", "NODE_TLS_REJECT_UNAUTHORIZED", "NODE_EXTRA_CA_CERTS"]) {
      expect(apiEnvNameProblem(name), name).toContain("not allowed for servers added over the API");
    }
    for (const name of ["https_proxy", "UV_INDEX_URL", "PIP_INDEX_URL", "GIT_SSH_COMMAND", "OPENSSL_CONF", "SSL_CERT_FILE"]) {
      expect(apiEnvNameProblem(name), name).toBeDefined();
    }
    expect(apiEnvNameProblem("NODE_OPTIONS")).toContain("makes the server load or run other code");
    for (const name of ["NODE_ENV", "PYTHONUNBUFFERED", "GITHUB_PERSONAL_ACCESS_TOKEN", "TOKEN", "LOG_LEVEL"]) {
      expect(apiEnvNameProblem(name), name).toBeUndefined();
    }
  });

  it("allows ordinary variables", () => {
    expect(serverProblem(stdio("node", ["server.js"], { GITHUB_TOKEN: ref("GITHUB_TOKEN"), LOG: "debug" }))).toBeUndefined();
  });

  it("refuses references to the service's own settings", () => {
    const config = stdio("node", ["server.js"], { URL: ref("REDIS_URL") });
    expect(serverProblem(config, ["REDIS_URL"])).toContain("REDIS_URL");
    const http = { url: "https://example.com/mcp", headers: { Authorization: ref("NATS_URL") }, transport: "http" as const };
    expect(serverProblem(http, ["NATS_URL"])).toContain("NATS_URL");
  });
});

describe("the environment of a stdio server", () => {
  it("is a fixed PATH and HOME plus what the entry declares", () => {
    const result = resolveReferences({ TOKEN: ref("MY_TOKEN"), LEVEL: "debug" }, { MY_TOKEN: "secret", OTHER: "leak" });
    expect(result).toEqual({ values: { TOKEN: "secret", LEVEL: "debug" }, missing: [] });
    expect(childEnvironment({ ...result.values, PATH: "/evil", HOME: "/evil" }, "/tmp/home")).toEqual({
      TOKEN: "secret",
      LEVEL: "debug",
      PATH: childPath,
      HOME: "/tmp/home",
    });
  });

  it("reports references the service's environment lacks", () => {
    const result = resolveReferences({ A: ref("NOPE"), B: ref("EMPTY"), C: ref("NOPE") }, { EMPTY: "" });
    expect(result.missing).toEqual(["EMPTY", "NOPE"]);
    expect(result.values).toEqual({});
  });

  it("lists required variables from env values and headers", () => {
    expect(requiredEnvVars(stdio("node", [], { A: ref("B_TOKEN"), C: `literal ${ref("X")}`, D: ref("A_KEY") }))).toEqual([
      "A_KEY",
      "B_TOKEN",
    ]);
    expect(requiredEnvVars({ url: "https://example.com", headers: { Authorization: ref("API_KEY") }, transport: "http" })).toEqual([
      "API_KEY",
    ]);
  });
});
