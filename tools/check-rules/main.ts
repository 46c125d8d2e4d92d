// Repository rules checker: node --import tsx tools/check-rules/main.ts [--write-allowlist]
// Exits 0 with a summary line when clean, 1 with one `path:line: rule: message` line per violation, 2 on bad usage.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllowlist, rebuildCasts, serializeAllowlist } from "./allowlist.ts";
import {
  ALLOWLIST_PATH,
  type Allowlist,
  type Cast,
  checkAllowlist,
  checkSource,
  compareViolations,
  formatViolation,
  type Rule,
  scanSource,
  TODO_WHY,
  type Violation,
} from "./rules.ts";

const RULES: Rule[] = ["no-json-parse", "no-process-env", "max-lines", "no-export-star", "casts"];
const root = fileURLToPath(new URL("../../", import.meta.url));

function trackedFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--", "*.ts"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  // Files deleted in the work tree but still in the index are skipped.
  return out
    .split("\0")
    .filter((path) => path !== "" && existsSync(join(root, path)))
    .sort();
}

function loadAllowlist(): Allowlist {
  const file = join(root, ALLOWLIST_PATH);
  if (!existsSync(file)) return { codecs: [], casts: [] };
  try {
    return parseAllowlist(readFileSync(file, "utf8"));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${ALLOWLIST_PATH}: invalid allow-list: ${message}`);
    process.exit(2);
  }
}

function writeAllowlist(files: string[], allowlist: Allowlist): void {
  const found: Cast[] = [];
  for (const path of files) found.push(...scanSource(path, readFileSync(join(root, path), "utf8"), allowlist).casts);
  const casts = rebuildCasts(found, allowlist.casts);
  writeFileSync(join(root, ALLOWLIST_PATH), serializeAllowlist({ codecs: allowlist.codecs, casts }));
  const todo = casts.filter((entry) => entry.why === TODO_WHY).length;
  console.log(`check-rules: wrote ${casts.length} cast entries to ${ALLOWLIST_PATH} (${todo} need a why)`);
}

function check(files: string[], allowlist: Allowlist): number {
  const violations: Violation[] = [];
  for (const path of files) violations.push(...checkSource(path, readFileSync(join(root, path), "utf8"), allowlist));
  violations.push(...checkAllowlist(allowlist, new Set(files)));
  violations.sort(compareViolations);
  for (const violation of violations) console.log(formatViolation(violation));
  if (violations.length === 0) {
    console.log(`check-rules: ${files.length} files clean (${allowlist.casts.length} casts allow-listed)`);
    return 0;
  }
  const counts = RULES.map((rule) => [rule, violations.filter((v) => v.rule === rule).length] as const)
    .filter(([, count]) => count > 0)
    .map(([rule, count]) => `${rule} ${count}`);
  console.log(`check-rules: ${violations.length} violations in ${files.length} files (${counts.join(", ")})`);
  return 1;
}

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--write-allowlist");
if (unknown.length > 0) {
  console.error(`check-rules: unknown argument ${unknown.join(" ")}; usage: main.ts [--write-allowlist]`);
  process.exit(2);
}
const files = trackedFiles();
const allowlist = loadAllowlist();
if (args.includes("--write-allowlist")) {
  writeAllowlist(files, allowlist);
} else {
  process.exitCode = check(files, allowlist);
}
