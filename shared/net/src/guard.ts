import { promises as dns, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { AppError } from "@switchyard/errors";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { normalizeHost, parseAllowList } from "./allow.ts";
import { forbiddenRange } from "./ranges.ts";

/** A refusal to reach a non-public address: thrown by `checkUrl`, and the error a guarded connect fails with. */
export class OutboundRefusedError extends AppError {
  constructor(message: string) {
    super("invalid_request", message, { param: "url" });
    this.name = "OutboundRefusedError";
  }
}

export interface OutboundGuardOptions {
  /** Host names, IP addresses and CIDRs the operator lets through although they are not public. */
  allow?: readonly string[];
  /** The setting that holds `allow`, named in refusals so the reader knows what opens a host. */
  allowSetting?: string;
  /** Every address a host name resolves to; `dns.promises.lookup` with `all: true` unless a test swaps it. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

/** The fetch the MCP SDK and other clients take: what this package hands them. */
export type GuardedFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface OutboundGuard {
  /** Refuses (OutboundRefusedError, or AppError for a malformed URL) what requests may not name; resolves otherwise. */
  checkUrl(url: string): Promise<void>;
  /** `dns.lookup` as net.connect calls it, failing when any address the name has is refused. */
  lookup: LookupFunction;
  /** Connects only to allowed addresses, literal IPs included (net.connect skips `lookup` for those). */
  dispatcher: Agent;
  /** undici's fetch over `dispatcher`; a refused connect rejects with the OutboundRefusedError itself. */
  fetch: GuardedFetch;
}

const systemResolve = (hostname: string) => dns.lookup(hostname, { all: true });

/**
 * Outbound requests a caller names may reach public addresses only (and what the operator allows). The check runs
 * where the socket is made, on the addresses actually connected, so a name that resolves elsewhere between a check
 * and the connect (DNS rebinding) is refused there too; `checkUrl` is the early answer for an API call.
 */
export function createOutboundGuard(options: OutboundGuardOptions = {}): OutboundGuard {
  const allow = parseAllowList(options.allow ?? []);
  const resolve = options.resolve ?? systemResolve;
  const hint = options.allowSetting ? ` (allow it with ${options.allowSetting})` : "";

  /** The refusal for `host` reaching `addresses`, or undefined when every one is public or allowed. */
  function refusal(label: string, host: string, addresses: readonly string[]): OutboundRefusedError | undefined {
    if (allow.host(host)) return undefined;
    for (const address of addresses) {
      const range = forbiddenRange(address);
      if (range === undefined || allow.address(address)) continue;
      const where = isIP(host) ? `is ${/^[aeiou]/.test(range) ? "an" : "a"} ${range} address` : `resolves to ${range} address ${address}`;
      return new OutboundRefusedError(`${label} ${where}, which outbound requests may not reach${hint}`);
    }
    return undefined;
  }

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (all) => {
        const addresses = all.map((entry) => entry.address);
        const refused = refusal(hostname, hostname, addresses);
        if (refused) return callback(refused, "");
        const family = lookupOptions.family === "IPv4" ? 4 : lookupOptions.family === "IPv6" ? 6 : lookupOptions.family;
        const usable = family === 4 || family === 6 ? all.filter((entry) => entry.family === family) : all;
        const first = usable[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: "ENOTFOUND" }), "");
        if (lookupOptions.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ""),
    );
  };

  const connector = buildConnector({ lookup });
  const dispatcher = new Agent({
    connect(connectOptions, callback) {
      const host = connectOptions.hostname.replace(/^\[|\]$/g, "");
      const refused = isIP(host) ? refusal(host, host, [host]) : undefined;
      if (refused) callback(refused, null);
      else connector(connectOptions, callback);
    },
  });

  const guardedFetch: GuardedFetch = async (input, init = {}) => {
    // Node's global fetch types come from its bundled undici, one major behind this one: headers are copied into
    // plain pairs, and FormData (a class this undici does not recognise) is refused, since no client here sends one.
    const { body, headers, ...rest } = init;
    if (body instanceof FormData) throw new TypeError("the guarded fetch does not send FormData bodies");
    try {
      return await undiciFetch(input, { ...rest, body, headers: [...new Headers(headers)], dispatcher });
    } catch (error) {
      // undici wraps every connect failure as "fetch failed"; the refusal underneath is what a reader needs.
      throw refusalIn(error) ?? error;
    }
  };

  return {
    async checkUrl(raw) {
      const url = parseUrl(raw);
      const host = normalizeHost(url.hostname.replace(/^\[|\]$/g, ""));
      if (allow.host(host)) return;
      const addresses = isIP(host) ? [host] : await resolveForCheck(resolve, host, url.host);
      const refused = refusal(url.host, host, addresses);
      if (refused) throw refused;
    },
    lookup,
    dispatcher,
    fetch: guardedFetch,
  };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid_request", "url is not a valid URL", { param: "url" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError("invalid_request", `url must be http: or https:, not ${url.protocol}`, { param: "url" });
  }
  // Credentials in a URL end up in logs and Referer-like places; the message names the rule, never the values.
  if (url.username !== "" || url.password !== "") {
    throw new AppError("invalid_request", "url may not carry credentials (user:password@); send them as a header", { param: "url" });
  }
  return url;
}

async function resolveForCheck(resolve: (hostname: string) => Promise<LookupAddress[]>, host: string, label: string): Promise<string[]> {
  try {
    return (await resolve(host)).map((entry) => entry.address);
  } catch (error) {
    const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "lookup failed";
    const gone = code === "ENOTFOUND" || code === "ENODATA";
    // A name that does not exist is the caller's to fix; a resolver that did not answer may answer the next try.
    throw new AppError(gone ? "invalid_request" : "unavailable", `${label} could not be resolved (${code})`, {
      param: "url",
      cause: error,
    });
  }
}

/** The OutboundRefusedError in an error's cause chain (undici nests connect errors one or two deep). */
function refusalIn(error: unknown): OutboundRefusedError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof OutboundRefusedError) return current;
  }
  return undefined;
}
