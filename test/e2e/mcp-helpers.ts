import { readFileSync } from "node:fs";
import { JsonObject, parseJsonOrUndefined } from "@switchyard/contracts";
import type { ServiceProcess } from "@switchyard/local";

/** The pid an mcp service logged when it last started `server` (prlimit execs the server, so it is the server's own). */
export function loggedPid(service: Pick<ServiceProcess, "recentLines">, server: string): number | undefined {
  const pids = service.recentLines().flatMap((line) => {
    const fields = parseJsonOrUndefined(JsonObject, line);
    return fields?.event === "mcp.server.started" && fields.server === server && typeof fields.pid === "number" ? [fields.pid] : [];
  });
  return pids.at(-1);
}

/** Running: neither gone nor a zombie waiting for the machine's init. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
