import type { McpServerConfig } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { commandProblem } from "./command-rules.ts";
import { credentialReferenceProblem, envReference } from "./credentials.ts";

/** The only PATH a stdio server gets: never the service's own. */
export const childPath = "/usr/local/bin:/usr/bin:/bin";

// Variables that make a program load or run other code (or that the service fixes itself).
const refusedNames = new Set([
  "NODE_OPTIONS",
  "NODE_PATH",
  "NPM_CONFIG_NODE_OPTIONS",
  "NPM_CONFIG_SCRIPT_SHELL",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "PYTHONHOME",
  "PYTHONINSPECT",
  "PERL5OPT",
  "PERL5DB",
  "PERL5LIB",
  "PERLLIB",
  "RUBYOPT",
  "RUBYLIB",
  "BASH_ENV",
  "ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "IFS",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "GCONV_PATH",
  "PATH",
  "HOME",
]);
const refusedPrefixes = ["LD_", "DYLD_", "BASH_FUNC_"];

/** Why a variable may not be given to a server, or undefined when it may. */
export function envNameProblem(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (upper === "PATH" || upper === "HOME") return `${name} is fixed by the mcp service and may not be set`;
  if (refusedNames.has(upper) || refusedPrefixes.some((prefix) => upper.startsWith(prefix))) {
    return `environment variable ${name} is not allowed: it makes the server load or run other code`;
  }
  return undefined;
}

// Over the API, beside the command allow-list (MCP_STDIO_ALLOW): variables that change where an allowed program gets
// its code or what it trusts (a registry, an index, a proxy, CA bundles, interpreter and loader settings). A second
// net, not the rule: the operator's config file may still set them.
const apiRefusedPrefixes = [
  "NPM_CONFIG_",
  "YARN_",
  "PNPM_",
  "BUN_",
  "COREPACK_",
  "DENO_",
  "UV_",
  "PIP_",
  "PYTHON",
  "PERL",
  "RUBY",
  "GEM_",
  "BUNDLE_",
  "JAVA_",
  "GIT_",
  "SSH_",
  "DOCKER_",
  "OPENSSL_",
  "SSL_",
  "GLIBC_",
  "MALLOC_",
  "XDG_",
];
const apiRefusedNames = new Set([
  "CLASSPATH",
  "CURL_CA_BUNDLE",
  "REQUESTS_CA_BUNDLE",
  "LOCPATH",
  "HOSTALIASES",
  "RES_OPTIONS",
  "KUBECONFIG",
]);

// Settings of those families that only change how output is written.
const apiHarmlessNames = new Set(["NODE_ENV", "PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONDONTWRITEBYTECODE"]);

/** Why a variable may not be given to a server added or changed over the API, or undefined when it may. */
export function apiEnvNameProblem(name: string): string | undefined {
  const general = envNameProblem(name);
  if (general) return general;
  const upper = name.toUpperCase();
  if (apiHarmlessNames.has(upper)) return undefined;
  if (
    upper.startsWith("NODE_") ||
    upper.endsWith("_PROXY") ||
    apiRefusedNames.has(upper) ||
    apiRefusedPrefixes.some((prefix) => upper.startsWith(prefix))
  ) {
    return (
      `environment variable ${name} is not allowed for servers added over the API: it changes where a program gets its code ` +
      "or what it trusts (an operator can set it in MCP_CONFIG_PATH)"
    );
  }
  return undefined;
}

/** Variables of the service's environment a server needs: its `${NAME}` env and header values. */
export function requiredEnvVars(config: McpServerConfig): string[] {
  const values = "command" in config ? Object.values(config.env) : Object.values(config.headers);
  const names = values.map(envReference).filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

/** Why a server may not be started as configured, or undefined when it may. */
export function serverProblem(config: McpServerConfig, protectedNames: readonly string[] = []): string | undefined {
  const protectedSet = new Set(protectedNames.map((name) => name.toUpperCase()));
  const readsProtected = requiredEnvVars(config).find((name) => protectedSet.has(name.toUpperCase()));
  if (readsProtected) return `\${${readsProtected}} is a setting of the mcp service and may not be passed to a server`;
  const badReference = credentialReferenceProblem(config);
  if (badReference) return badReference;
  if (!("command" in config)) return undefined;
  for (const name of Object.keys(config.env)) {
    const problem = envNameProblem(name);
    if (problem) return problem;
  }
  return commandProblem([config.command, ...config.args], envNameProblem);
}

/** Throws `invalid_request` naming the problem, before anything is spawned. */
export function assertSafeServer(config: McpServerConfig, protectedNames: readonly string[] = []): void {
  const problem = serverProblem(config, protectedNames);
  if (problem) throw new AppError("invalid_request", problem);
}

export interface ResolvedValues {
  values: Record<string, string>;
  /** `${NAME}` references the source does not define. */
  missing: string[];
}

/** Replaces each `${NAME}` value with the source's NAME; literal values pass as they are. */
export function resolveReferences(declared: Record<string, string>, source: NodeJS.ProcessEnv): ResolvedValues {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, value] of Object.entries(declared)) {
    const name = envReference(value);
    if (name === undefined) values[key] = value;
    else if (source[name] === undefined || source[name] === "") missing.push(name);
    else values[key] = source[name];
  }
  return { values, missing: [...new Set(missing)].sort() };
}

/** The whole environment of a stdio server: fixed PATH and HOME over its entry's resolved values. */
export function childEnvironment(resolved: Record<string, string>, home: string): Record<string, string> {
  return { ...resolved, PATH: childPath, HOME: home };
}

/**
 * Servers added or changed over the API may not read the mcp service's environment: only
 * the config file and the catalog, which operators write, may name variables as `${NAME}`.
 * Their secrets come from the credentials store instead, as `${credential:NAME}`.
 */
export function assertNoEnvironmentReferences(config: McpServerConfig): void {
  const names = requiredEnvVars(config);
  if (names.length > 0) {
    throw new AppError(
      "invalid_request",
      `\${${names[0]}}: servers added over the API cannot read the mcp service's environment; ` +
        `store the secret as a credential and use \${credential:NAME}`,
    );
  }
}
