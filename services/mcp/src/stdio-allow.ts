import { mcpLimits } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";
import type { ServerSpec } from "./config-file.ts";

/**
 * What a stdio server added or changed over the API may run: the operator's decision, as MCP_STDIO_ALLOW. A denylist
 * of interpreters can't know every program that runs code from its arguments (`sed 1e`, `tar --checkpoint-action`,
 * `git -c alias.x=!…`, `find -exec`, `npx <any package>`), so over the API only what a pattern names is spawned.
 *
 * - `"catalog"`: the catalog's own stdio entries, each exactly as the catalog runs it (module paths resolved).
 * - `{"command", "args"}`: `command` is compared exactly; `args` must match the arguments one for one, as many as
 *   there are (no "any further arguments": list one pattern per shape). Each argument pattern is matched against the
 *   whole argument; `*` stands for any run of letters, digits, `.`, `_` and `-`, so it never crosses a `/`, `@`,
 *   `:`, `=` or a space; it never matches an argument that starts with `-` at the pattern's start (options are
 *   named, never wildcarded), nor one with a `..` path segment. There is no escape: `*` is always a wildcard.
 */
export const StdioAllowEntry = z.union([
  z.literal("catalog"),
  z
    .object({
      command: z.string().min(1).max(1024),
      args: z.array(z.string().max(mcpLimits.argChars)).max(mcpLimits.args).default([]),
    })
    .strict(),
]);
export type StdioAllowEntry = z.infer<typeof StdioAllowEntry>;
export const StdioAllowList = z.array(StdioAllowEntry).max(1024);

interface Pattern {
  command: string;
  args: readonly string[];
  /** From the catalog: compared character for character, a `*` in it included. */
  literal: boolean;
}

/** The compiled allow-list: patterns from MCP_STDIO_ALLOW, with `"catalog"` expanded. */
export interface StdioAllow {
  patterns: readonly Pattern[];
}

/** `"catalog"` becomes the catalog's stdio entries that can run (a module that is not installed is left out). */
export function compileStdioAllow(entries: readonly StdioAllowEntry[], catalog: readonly ServerSpec[]): StdioAllow {
  const patterns = entries.flatMap((entry): Pattern[] => {
    if (entry !== "catalog") return [{ command: entry.command, args: entry.args, literal: false }];
    return catalog.flatMap(({ config, unavailable }) =>
      "command" in config && !unavailable ? [{ command: config.command, args: config.args, literal: true }] : [],
    );
  });
  return { patterns };
}

const wildcardCharacter = /^[A-Za-z0-9._-]$/;

/** Whether `text` matches `pattern` whole (see StdioAllowEntry). Linear in both lengths: no backtracking on hostile input. */
export function argumentMatches(pattern: string, text: string): boolean {
  if (!pattern.includes("*")) return pattern === text;
  if (pattern.startsWith("*") && text.startsWith("-")) return false;
  if (text.split("/").includes("..")) return false;
  // reachable[j]: the first j characters of the pattern match the text read so far.
  let reachable = Array.from({ length: pattern.length + 1 }, () => false);
  reachable[0] = true;
  for (let j = 1; j <= pattern.length && pattern[j - 1] === "*"; j++) reachable[j] = true;
  for (const character of text) {
    const next = Array.from({ length: pattern.length + 1 }, () => false);
    const fits = wildcardCharacter.test(character);
    for (let j = 1; j <= pattern.length; j++) {
      next[j] =
        pattern[j - 1] === "*"
          ? next[j - 1] === true || (reachable[j] === true && fits)
          : reachable[j - 1] === true && pattern[j - 1] === character;
    }
    reachable = next;
  }
  return reachable[pattern.length] === true;
}

function patternMatches(pattern: Pattern, command: string, args: readonly string[]): boolean {
  if (pattern.command !== command || pattern.args.length !== args.length) return false;
  return pattern.args.every((expected, index) => {
    const actual = args[index] ?? "";
    return pattern.literal ? expected === actual : argumentMatches(expected, actual);
  });
}

/** A command line as shown in a message: words with spaces or quotes quoted, cut at `limit` characters. */
export function showCommandLine(argv: readonly string[], limit = 300): string {
  const shown = argv.map((word) => (word === "" || /[\s"'\\]/.test(word) ? JSON.stringify(word) : word)).join(" ");
  return shown.length > limit ? `${shown.slice(0, limit)}…` : shown;
}

function allowedSummary(allow: StdioAllow): string {
  if (allow.patterns.length === 0) return "it allows none";
  const shown = allow.patterns.slice(0, 5).map((pattern) => `'${showCommandLine([pattern.command, ...pattern.args], 200)}'`);
  const more = allow.patterns.length > 5 ? ` and ${allow.patterns.length - 5} more` : "";
  return `it allows ${shown.join(", ")}${more}`;
}

/** Why a stdio command may not be run for the API, or undefined when a pattern allows it. */
export function stdioAllowProblem(allow: StdioAllow, command: string, args: readonly string[]): string | undefined {
  if (allow.patterns.some((pattern) => patternMatches(pattern, command, args))) return undefined;
  return (
    `stdio servers added over the API must match MCP_STDIO_ALLOW; '${showCommandLine([command, ...args])}' does not ` +
    `(${allowedSummary(allow)})`
  );
}

/** Throws `invalid_request` naming the rule when the allow-list does not name this command and its arguments. */
export function assertStdioAllowed(allow: StdioAllow, config: { command: string; args: readonly string[] }, param: string): void {
  const problem = stdioAllowProblem(allow, config.command, config.args);
  if (problem) throw new AppError("invalid_request", problem, { param });
}
