import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import type { Logger } from "@switchyard/telemetry";

/**
 * What a stdio server gets from the OS without extra packages: its own process group (the transport), only the
 * environment its entry declares (security.ts), a directory of its own, and resource limits set by util-linux's
 * `prlimit` (`prlimit --as=… -- command args`: it sets its own limits and execs the command, so the server keeps
 * the pid, group and limits). 0 leaves a limit as the service has it.
 *
 * No CPU-time limit: RLIMIT_CPU counts every CPU second of a process's life, so it would kill a long-lived server for
 * the work it did over days, and does nothing against a runaway one until then. Capping a rate needs cgroups.
 */
export interface StdioLimits {
  /** RLIMIT_AS, bytes. */
  addressSpaceBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_NPROC: Linux counts every process and thread of the user, not of one server (and exempts root). */
  processes: number;
}

const options: Record<keyof StdioLimits, string> = { addressSpaceBytes: "--as", openFiles: "--nofile", processes: "--nproc" };
const procRows: Record<keyof StdioLimits, string> = {
  addressSpaceBytes: "Max address space",
  openFiles: "Max open files",
  processes: "Max processes",
};
const limitNames = ["addressSpaceBytes", "openFiles", "processes"] as const;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where exec would find `command`: itself (from `cwd`) when it has a slash, else the first executable file on `path`. */
export function findExecutable(command: string, path: string | undefined, cwd: string): string | undefined {
  if (command.includes("/")) {
    const file = resolve(cwd, command);
    return isExecutableFile(file) ? file : undefined;
  }
  for (const directory of (path ?? "").split(delimiter)) {
    if (directory === "") continue;
    const file = join(directory, command);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/** The hard limits in a `/proc/<pid>/limits` text (unlimited ones left out). */
export function hardLimits(text: string): Partial<StdioLimits> {
  const found: Partial<StdioLimits> = {};
  for (const name of limitNames) {
    const row = text.split("\n").find((line) => line.startsWith(procRows[name]));
    const hard = row?.slice(procRows[name].length).trim().split(/\s+/)[1];
    if (hard !== undefined && /^\d+$/.test(hard)) found[name] = Number(hard);
  }
  return found;
}

function ownHardLimits(): Partial<StdioLimits> {
  try {
    return hardLimits(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    return {};
  }
}

/**
 * The argv prefix stdio servers are spawned through (`[prlimit, --as=…, --nofile=…, --nproc=…, "--"]`), or undefined
 * when no limit is set or `prlimit` is not on the service's PATH (said once in the log). A limit above the service's
 * own hard limit is lowered to it: only root may raise a hard limit, and prlimit would fail rather than start.
 */
export function limitPrefix(limits: StdioLimits, servicePath: string | undefined, logger: Logger): readonly string[] | undefined {
  const wanted = limitNames.filter((name) => limits[name] > 0);
  if (wanted.length === 0) return undefined;
  const prlimit = findExecutable("prlimit", servicePath, "/");
  if (!prlimit) {
    logger.warn(
      { event: "mcp.limits.unavailable", limits },
      "prlimit (util-linux) is not on the service's PATH: stdio servers start without resource limits",
    );
    return undefined;
  }
  const ceiling = ownHardLimits();
  const applied: Partial<StdioLimits> = {};
  for (const name of wanted) applied[name] = Math.min(limits[name], ceiling[name] ?? Number.POSITIVE_INFINITY);
  logger.info({ event: "mcp.limits", prlimit, limits: applied }, "stdio servers start with resource limits");
  return [prlimit, ...wanted.map((name) => `${options[name]}=${applied[name]}`), "--"];
}

/** A server's own directory (its working directory and HOME): made at its first launch, removed when it stops for good. */
export interface Workdir {
  path(): Promise<string>;
  remove(): Promise<void>;
}

/** `name` is a server's source and id (ids are letters, digits, `_`, `.`, `-`): a fresh `<root>/<name>-XXXXXX`, mode 0700. */
export function createWorkdir(root: string, name: string): Workdir {
  let made: Promise<string> | undefined;
  let removed = false;
  return {
    path() {
      if (removed) return Promise.reject(new Error("the server was stopped"));
      made ??= mkdtemp(join(root, `${name}-`)).catch((error: unknown) => {
        made = undefined;
        throw error;
      });
      return made;
    },
    async remove() {
      removed = true;
      const path = await made?.catch(() => undefined);
      if (path) await rm(path, { recursive: true, force: true });
    },
  };
}
