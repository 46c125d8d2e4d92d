import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Summaries of the V8 CPU profiles the services write with `--profile` (see cpu-profile-hook.mjs). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives: a package, a Switchyard workspace package, a Node internal, or a V8 pseudo-frame. */
function owner(frame: ProfileNode["callFrame"]): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/").slice(0, 2).join("/")}`;
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + 14).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const workspace = /\/(services|shared|test)\/([^/]+)\//.exec(url);
  return workspace ? `switchyard ${workspace[1]}/${workspace[2]}` : url;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  /** Share of busy time (self time, idle excluded) per owner, largest first. */
  owners: { owner: string; ms: number; share: number }[];
  functions: { name: string; ms: number; share: number }[];
}

/**
 * Self time per owner and per function, counting only samples taken from `fromMicros` on (V8's
 * profile clock and process.hrtime are both CLOCK_MONOTONIC on Linux), so start-up is left out.
 */
export function summarizeProfile(file: string, fromMicros = 0, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    const node = byId.get(id);
    const micros = profile.timeDeltas[index + 1] ?? 0;
    if (at < fromMicros || !node || node.callFrame.functionName === "(idle)") return;
    busy += micros;
    const group = owner(node.callFrame);
    owners.set(group, (owners.get(group) ?? 0) + micros);
    const fn = node.callFrame.functionName || "(anonymous)";
    const name = fn === group ? fn : group.startsWith("(") ? `${fn} ${group}` : `${fn} (${group})`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  });
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, micros]) => ({ key, ms: Math.round(micros / 1000), share: Math.round((micros / Math.max(1, busy)) * 1000) / 10 }));
  return {
    file,
    busyMs: Math.round(busy / 1000),
    owners: ranked(owners).map(({ key, ms, share }) => ({ owner: key, ms, share })),
    functions: ranked(functions).map(({ key, ms, share }) => ({ name: key, ms, share })),
  };
}

/** The profile each process wrote (file names carry the pid). */
export function profilesByPid(dir: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of readdirSync(dir)) {
    const pid = /^profile-(\d+)\.cpuprofile$/.exec(name)?.[1];
    if (pid) found.set(Number(pid), join(dir, name));
  }
  return found;
}

export function printProfile(service: string, summary: ProfileSummary, log: (line: string) => void): void {
  log(`  ${service}: ${summary.busyMs} ms busy (${summary.file})`);
  for (const entry of summary.owners) log(`    ${String(entry.share).padStart(5)}%  ${entry.owner}`);
  log("    top functions (self time):");
  for (const entry of summary.functions.slice(0, 8)) log(`    ${String(entry.share).padStart(5)}%  ${entry.name}`);
}

/** What `--profile` leaves in results/profile.json for BENCHMARKS.md: one summary per service, from a separate run. */
export interface ProfileReport {
  startedAt: string;
  mode: string;
  scenarios: string;
  services: Record<string, ProfileSummary>;
}

export function profileServices(
  dir: string,
  services: Record<string, number>,
  fromMicros: number,
  log: (line: string) => void,
): Record<string, ProfileSummary> {
  const files = profilesByPid(dir);
  const summaries: Record<string, ProfileSummary> = {};
  for (const [service, pid] of Object.entries(services)) {
    const file = files.get(pid);
    if (!file) {
      log(`  ${service}: no profile written`);
      continue;
    }
    summaries[service] = summarizeProfile(file, fromMicros);
    printProfile(service, summaries[service], log);
  }
  return summaries;
}
