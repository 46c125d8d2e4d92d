import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { envCredentialName, type McpServerConfig } from "@switchyard/contracts";
import type { GuardedFetch } from "@switchyard/net";
import { type CredentialSource, envReference, redactor, resolveCredentials } from "./credentials.ts";
import { childEnvironment, resolveReferences } from "./security.ts";
import { ChildProcessTransport } from "./stdio-transport.ts";

/**
 * A problem found before anything starts. Not `retryable` (a missing variable of the service's own environment):
 * trying again can't help. `retryable` (a missing credential, the access service unreachable): the supervisor tries
 * again with backoff, since the store can change while the service runs.
 */
export class LaunchError extends Error {
  override name = "LaunchError";
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

export interface Launch {
  transport: Transport;
  /** Why the connection ended, when the transport knows (exit status and stderr). */
  describeExit(): string | undefined;
  /** The process's recent stderr, for the log. */
  stderrTail(): string;
  pid: number | undefined;
  /** stdio servers close their transport when they exit; HTTP peers must be pinged. */
  needsPing: boolean;
  /** Masks the credential values this launch put in: for any text the service logs or shows about it. */
  redact(text: string): string;
}

export interface LaunchContext {
  /** Where `${NAME}` values come from: the service's own environment. */
  serviceEnv: NodeJS.ProcessEnv;
  /** Where each stdio server's own directory (its HOME and working directory) is made. */
  home: string;
  /** The argv stdio servers are spawned through (`prlimit` and its limits), or none. */
  spawnPrefix?: readonly string[];
  /** The fetch of the outbound guard: public addresses (and the operator's allow-list) only, checked at connect. */
  guardedFetch: GuardedFetch;
  /** Where `${credential:NAME}` values come from: the access service, read at each launch. */
  credentials: CredentialSource;
}

function missingError(missing: string[]): LaunchError {
  const names = missing.join(", ");
  return new LaunchError(`missing environment variable${missing.length > 1 ? "s" : ""} ${names} in the mcp service's environment`);
}

/** Reads each credential once per launch, however many values name it. */
function memoized(source: CredentialSource): CredentialSource {
  const read = new Map<string, Promise<string | undefined>>();
  return (name) => {
    let value = read.get(name);
    if (!value) {
      value = source(name);
      read.set(name, value);
    }
    return value;
  };
}

/**
 * `${NAME}` values for which the store holds `env.NAME` (a client supplied it: agent-runtimes' `env_vars`) become a
 * reference to that credential, so the client's value wins over the service's environment. A store that cannot be read
 * leaves them as they are: the service's environment still serves, and a later attempt reads the store again.
 */
async function withSuppliedValues(declared: Record<string, string>, source: CredentialSource): Promise<Record<string, string>> {
  const supplied = await Promise.all(
    Object.entries(declared).map(async ([key, value]): Promise<[string, string]> => {
      const name = envReference(value);
      if (name === undefined) return [key, value];
      const credential = envCredentialName(name);
      const stored = await source(credential).catch(() => undefined);
      return [key, stored === undefined ? value : `\${credential:${credential}}`];
    }),
  );
  return Object.fromEntries(supplied);
}

/**
 * Env or header values as the server gets them: `${NAME}` from a supplied `env.NAME` credential or else the service's
 * environment, `${credential:NAME}` from the store (each value expanded once, whichever it is), literals as they are.
 * Anything missing fails the launch.
 */
async function resolveValues(original: Record<string, string>, context: LaunchContext) {
  const source = memoized(context.credentials);
  const declared = await withSuppliedValues(original, source);
  const fromEnvironment = resolveReferences(declared, context.serviceEnv);
  if (fromEnvironment.missing.length) throw missingError(fromEnvironment.missing);
  const fromStore = await resolveCredentials(declared, source).catch((error: unknown) => {
    throw new LaunchError(error instanceof Error ? error.message : String(error), true);
  });
  if (fromStore.missing.length) {
    const names = fromStore.missing.join(", ");
    throw new LaunchError(`missing credential${fromStore.missing.length > 1 ? "s" : ""} ${names} in the credentials store`, true);
  }
  return { values: { ...fromEnvironment.values, ...fromStore.values }, redact: redactor(fromStore.secrets) };
}

export interface LaunchOptions {
  /**
   * For URLs a request named (added or updated over the API): their every connection, redirects and reconnects
   * included, goes through the guard's fetch, so a name that resolves to a private address later (DNS rebinding) is
   * refused when the socket would be made.
   */
  guarded: boolean;
  /** The server's own directory, made on first use: a stdio server's HOME and working directory. */
  directory: () => Promise<string>;
}

/** A fresh, unstarted transport for one connection attempt. */
export async function createLaunch(config: McpServerConfig, context: LaunchContext, options: LaunchOptions): Promise<Launch> {
  if ("command" in config) {
    const { values, redact } = await resolveValues(config.env, context);
    const directory = await options.directory().catch((error: unknown) => {
      throw new LaunchError(`the server's directory could not be made: ${error instanceof Error ? error.message : String(error)}`, true);
    });
    const transport = new ChildProcessTransport({
      command: config.command,
      args: config.args,
      env: childEnvironment(values, directory),
      cwd: directory,
      ...(context.spawnPrefix ? { prefix: context.spawnPrefix } : {}),
      redact,
    });
    return {
      transport,
      describeExit: () => transport.describeExit(),
      stderrTail: () => transport.stderrTail(),
      get pid() {
        return transport.pid;
      },
      needsPing: false,
      redact,
    };
  }
  const { values, redact } = await resolveValues(config.headers, context);
  const url = new URL(config.url);
  const requestInit = { headers: values };
  // Config-file and catalog URLs are the operator's own and may name internal hosts: they keep the plain fetch.
  const fetch = options.guarded ? context.guardedFetch : undefined;
  const transport =
    config.transport === "sse"
      ? // This SDK opens the event stream with `fetch` too; `eventSourceInit.fetch` keeps that true if it ever stops.
        new SSEClientTransport(url, { requestInit, ...(fetch ? { fetch, eventSourceInit: { fetch } } : {}) })
      : new StreamableHTTPClientTransport(url, { requestInit, ...(fetch ? { fetch } : {}) });
  return { transport, describeExit: () => undefined, stderrTail: () => "", pid: undefined, needsPing: true, redact };
}
