import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpServerConfig } from "@switchyard/contracts";
import type { GuardedFetch } from "@switchyard/net";
import { childEnvironment, resolveReferences } from "./security.ts";
import { ChildProcessTransport } from "./stdio-transport.ts";

/** A problem found before anything starts (a missing variable): retrying can't help. */
export class LaunchError extends Error {
  override name = "LaunchError";
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
}

export interface LaunchContext {
  /** Where `${NAME}` values come from: the service's own environment. */
  serviceEnv: NodeJS.ProcessEnv;
  /** HOME and working directory of stdio servers. */
  home: string;
  /** The fetch of the outbound guard: public addresses (and the operator's allow-list) only, checked at connect. */
  guardedFetch: GuardedFetch;
}

function missingError(missing: string[]): LaunchError {
  const names = missing.join(", ");
  return new LaunchError(`missing environment variable${missing.length > 1 ? "s" : ""} ${names} in the mcp service's environment`);
}

/**
 * A fresh, unstarted transport for one connection attempt. `guarded` is for URLs a request named (added or updated
 * over the API): their every connection, redirects and reconnects included, goes through the guard's fetch, so a
 * name that resolves to a private address later (DNS rebinding) is refused when the socket would be made.
 */
export function createLaunch(config: McpServerConfig, context: LaunchContext, guarded: boolean): Launch {
  if ("command" in config) {
    const environment = childEnvironment(config.env, context.serviceEnv, context.home);
    if (environment.missing.length) throw missingError(environment.missing);
    const transport = new ChildProcessTransport({ command: config.command, args: config.args, env: environment.values, cwd: context.home });
    return {
      transport,
      describeExit: () => transport.describeExit(),
      stderrTail: () => transport.stderrTail(),
      get pid() {
        return transport.pid;
      },
      needsPing: false,
    };
  }
  const headers = resolveReferences(config.headers, context.serviceEnv);
  if (headers.missing.length) throw missingError(headers.missing);
  const url = new URL(config.url);
  const requestInit = { headers: headers.values };
  // Config-file and catalog URLs are the operator's own and may name internal hosts: they keep the plain fetch.
  const fetch = guarded ? context.guardedFetch : undefined;
  const transport =
    config.transport === "sse"
      ? // This SDK opens the event stream with `fetch` too; `eventSourceInit.fetch` keeps that true if it ever stops.
        new SSEClientTransport(url, { requestInit, ...(fetch ? { fetch, eventSourceInit: { fetch } } : {}) })
      : new StreamableHTTPClientTransport(url, { requestInit, ...(fetch ? { fetch } : {}) });
  return { transport, describeExit: () => undefined, stderrTail: () => "", pid: undefined, needsPing: true };
}
