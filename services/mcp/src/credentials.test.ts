import { describe, expect, it } from "vitest";
import { credentialReference, credentialReferenceProblem, redactor, requiredCredentials, resolveCredentials } from "./credentials.ts";
import { assertNoEnvironmentReferences, requiredEnvVars, serverProblem } from "./security.ts";
import { createLaunch, type LaunchContext, LaunchError } from "./transports.ts";

/** A `${credential:NAME}` reference to the credentials store. */
const cred = (name: string) => `\${credential:${name}}`;
/** A `${NAME}` reference to the service's environment. */
const env = (name: string) => `\${${name}}`;
const stdio = (env: Record<string, string>) => ({ command: "node", args: ["server.js"], env });
const http = (headers: Record<string, string>) => ({ url: "https://example.com/mcp", headers, transport: "http" as const });

/** A scripted store: what it holds, and every name it was asked for. */
function scriptedSource(held: Record<string, string>) {
  const asked: string[] = [];
  const source = async (name: string) => {
    asked.push(name);
    return held[name];
  };
  return { source, asked };
}

describe("credential references", () => {
  it("are values that are exactly a reference naming a valid credential", () => {
    expect(credentialReference(cred("demo"))).toBe("demo");
    expect(credentialReference(cred("GitHub_token.v2-a"))).toBe("GitHub_token.v2-a");
    expect(credentialReference(cred("9lives"))).toBe("9lives");
    expect(credentialReference(cred("x".repeat(64)))).toBe("x".repeat(64));
    for (const value of [
      cred(""),
      cred("-lead"),
      cred("_lead"),
      cred("has space"),
      cred("slash/no"),
      cred("x".repeat(65)),
      `Bearer ${cred("demo")}`,
      `${cred("demo")} `,
      env("DEMO"),
      "${credential:demo",
      "credential:demo",
      "plain",
    ]) {
      expect(credentialReference(value), value).toBeUndefined();
    }
  });

  it("are listed from env values and headers, sorted, each once; an environment reference reads the supplied env.NAME", () => {
    expect(requiredCredentials(stdio({ A: cred("zeta"), B: cred("alpha"), C: cred("zeta"), D: env("ENV_NAME"), E: "literal" }))).toEqual([
      "alpha",
      "env.ENV_NAME",
      "zeta",
    ]);
    expect(requiredCredentials(http({ Authorization: cred("api"), "X-Other": "x" }))).toEqual(["api"]);
    expect(requiredCredentials(stdio({}))).toEqual([]);
  });

  it("are not environment references: requiredEnvVars leaves them out, and the API may use them", () => {
    const config = stdio({ TOKEN: cred("demo"), GREETING: env("GREETING") });
    expect(requiredEnvVars(config)).toEqual(["GREETING"]);
    expect(() => assertNoEnvironmentReferences(stdio({ TOKEN: cred("demo") }))).not.toThrow();
    expect(() => assertNoEnvironmentReferences(config)).toThrow(/\$\{GREETING\}.*\$\{credential:NAME\}/);
  });

  it("refuses a value that mentions one but is not exactly a reference, naming where and never the value", () => {
    for (const value of [`Bearer ${cred("demo")}`, cred("bad name"), cred(""), "${credential:open", `${cred("a")}${cred("b")}`]) {
      const problem = credentialReferenceProblem(http({ Authorization: value }));
      expect(problem, value).toMatch(/^header Authorization: a credential reference must be the whole value/);
      expect(serverProblem(http({ Authorization: value }))).toBe(problem);
    }
    expect(credentialReferenceProblem(stdio({ TOKEN: `sk-${cred("x y")}` }))).toMatch(/^env TOKEN: /);
    expect(credentialReferenceProblem(stdio({ TOKEN: "sk-very-secret-literal" }))).toBeUndefined();
    expect(credentialReferenceProblem(stdio({ TOKEN: cred("fine") }))).toBeUndefined();
    expect(serverProblem(stdio({ TOKEN: cred("fine") }))).toBeUndefined();
  });
});

describe("resolving credentials with a scripted store", () => {
  it("replaces only reference values, reading each credential once", async () => {
    const { source, asked } = scriptedSource({ demo: "s3cret-value", other: "another-value" });
    const resolved = await resolveCredentials({ A: cred("demo"), B: cred("demo"), C: cred("other"), D: env("ENV"), E: "literal" }, source);
    expect(resolved.values).toEqual({ A: "s3cret-value", B: "s3cret-value", C: "another-value" });
    expect(resolved.missing).toEqual([]);
    expect([...resolved.secrets].sort()).toEqual(["another-value", "s3cret-value"]);
    expect(asked.sort()).toEqual(["demo", "other"]);
  });

  it("reports credentials the store lacks", async () => {
    const { source } = scriptedSource({ present: "here-it-is" });
    const resolved = await resolveCredentials({ A: cred("zeta"), B: cred("present"), C: cred("alpha") }, source);
    expect(resolved).toEqual({ values: { B: "here-it-is" }, missing: ["alpha", "zeta"], secrets: ["here-it-is"] });
  });

  it("asks the store nothing when no value is a reference", async () => {
    const { source, asked } = scriptedSource({});
    expect(await resolveCredentials({ A: "literal", B: env("ENV") }, source)).toEqual({ values: {}, missing: [], secrets: [] });
    expect(asked).toEqual([]);
  });

  it("fails as a whole when the store can't be read", async () => {
    const failing = async (name: string): Promise<string | undefined> => {
      throw new Error(`credential '${name}' could not be read from the access service: unavailable`);
    };
    await expect(resolveCredentials({ A: cred("demo") }, failing)).rejects.toThrow("credential 'demo' could not be read");
  });
});

describe("redacting credential values", () => {
  it("masks every occurrence, longest first, and leaves short values alone", () => {
    const redact = redactor(["abcd1234", "abcd1234-extended", "ab"]);
    expect(redact("env: TOKEN=abcd1234-extended OTHER=abcd1234; ab stays")).toBe("env: TOKEN=[credential] OTHER=[credential]; ab stays");
    expect(redactor([])("unchanged")).toBe("unchanged");
  });
});

describe("launching with credentials", () => {
  const context = (held: Record<string, string>, serviceEnv: NodeJS.ProcessEnv = {}): LaunchContext => ({
    serviceEnv,
    home: "/tmp",
    guardedFetch: fetch,
    credentials: scriptedSource(held).source,
  });
  /** Launch options: the directory is never made, since these launches fail (or are HTTP) before a process would start. */
  const launchOptions = (guarded: boolean) => ({ guarded, directory: async () => "/nonexistent" });

  it("fails a launch that names a missing credential, retryably, naming it and no value", async () => {
    const launch = createLaunch(
      stdio({ TOKEN: cred("demo"), OTHER: cred("present") }),
      context({ present: "the-present-value" }),
      launchOptions(true),
    );
    await expect(launch).rejects.toBeInstanceOf(LaunchError);
    await expect(launch).rejects.toMatchObject({ retryable: true, message: "missing credential demo in the credentials store" });
    const both = createLaunch(http({ A: cred("b"), B: cred("a") }), context({}), launchOptions(true));
    await expect(both).rejects.toMatchObject({ retryable: true, message: "missing credentials a, b in the credentials store" });
  });

  it("fails retryably when the store can't be read", async () => {
    const failing: LaunchContext = {
      ...context({}),
      credentials: async (name) => {
        throw new Error(`credential '${name}' could not be read from the access service: no connection`);
      },
    };
    await expect(createLaunch(stdio({ TOKEN: cred("demo") }), failing, launchOptions(true))).rejects.toMatchObject({
      name: "LaunchError",
      retryable: true,
      message: "credential 'demo' could not be read from the access service: no connection",
    });
  });

  it("keeps a missing environment variable a failure retrying can't fix", async () => {
    await expect(
      createLaunch(stdio({ A: env("NOT_SET"), B: cred("demo") }), context({ demo: "value" }), launchOptions(false)),
    ).rejects.toMatchObject({
      retryable: false,
      message: "missing environment variable NOT_SET in the mcp service's environment",
    });
  });

  it("masks what it read in anything the launch reports", async () => {
    const launch = await createLaunch(http({ Authorization: cred("api") }), context({ api: "Bearer sk-live-123456" }), launchOptions(true));
    expect(launch.redact("401: rejected Bearer sk-live-123456")).toBe("401: rejected [credential]");
    await launch.transport.close();
  });
});
