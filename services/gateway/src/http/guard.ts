import { AppError } from "@switchyard/errors";
import type { RequestHandler } from "express";

export interface GuardOptions {
  /** Hostnames the Host header may name; empty means any (the gateway is exposed on purpose). */
  allowedHosts: string[];
  /** Origins browsers may call from; requests without Origin (non-browser clients) pass. */
  allowedOrigins: string[];
}

const loopbackNames = ["localhost", "127.0.0.1", "[::1]", "::1"];

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  return hostHeader.split(":")[0] ?? "";
}

/**
 * Defaults: bound to loopback, only loopback Host names and loopback origins are accepted,
 * which stops DNS-rebinding and cross-site calls from a browser; bound elsewhere, the Host
 * check is off unless hosts are configured, and origins must still be listed.
 */
export function guardOptions(bindHost: string, hosts: string | undefined, origins: string | undefined): GuardOptions {
  const list = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean);
  const loopback = loopbackNames.includes(bindHost);
  const allowedHosts = hosts ? list(hosts) : loopback ? loopbackNames : [];
  const allowedOrigins = origins ? list(origins) : loopbackNames.flatMap((name) => [`http://${name}`, `https://${name}`]);
  return { allowedHosts, allowedOrigins };
}

/** Refuses (403) a Host or Origin outside the allow-lists. */
export function hostAndOriginGuard(options: GuardOptions): RequestHandler {
  return (request, _response, next) => {
    const host = request.headers.host ?? "";
    if (options.allowedHosts.length > 0 && !options.allowedHosts.includes(hostnameOf(host).toLowerCase())) {
      throw new AppError("forbidden", `host '${host}' is not allowed`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== "null") {
      let allowed = false;
      try {
        const url = new URL(origin);
        // Loopback origins are compared without their port; configured ones exactly.
        allowed = options.allowedOrigins.includes(origin) || options.allowedOrigins.includes(`${url.protocol}//${url.hostname}`);
      } catch {
        allowed = false;
      }
      if (!allowed) throw new AppError("forbidden", `origin '${origin}' is not allowed`);
    } else if (origin === "null") {
      throw new AppError("forbidden", "opaque origins are not allowed");
    }
    next();
  };
}

/** The body types a browser may send cross-site without asking first (a "simple" request). */
const simpleBodyTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * A page on any origin can make a browser POST a `text/plain`, form or multipart body, or no
 * body at all, without a preflight. No state-changing route takes those bodies: JSON or YAML
 * only, so they are refused (415) before anything reads or changes state, whatever the
 * authentication. A browser's request (it names an Origin) without a body type must carry a
 * key header, which a simple request cannot; clients outside a browser send no Origin, so a
 * bodiless POST from them (Hayhooks' undeploy) is unaffected.
 */
export const simpleRequestGuard: RequestHandler = (request, _response, next) => {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return next();
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const keyed = request.headers["x-api-key"] !== undefined || request.headers.authorization !== undefined;
  // A multipart upload with a key header cannot be a simple request (the header needs a preflight): the run
  // routes take it; every other route still wants JSON or YAML and answers 415.
  if (type === "multipart/form-data" && keyed) return next();
  if (simpleBodyTypes.includes(type)) {
    throw new AppError("unsupported_media_type", `'${type}' bodies are not accepted: send JSON (or YAML where a route takes it)`);
  }
  if (type === "" && request.headers.origin !== undefined && !keyed) {
    throw new AppError("unsupported_media_type", "a browser request that changes state needs a JSON body or an API key header");
  }
  next();
};
