// Runs the workspace's pinned pnpm (package.json's packageManager) with the given arguments: the pnpm on the
// PATH when it is that version, otherwise the same version through npx (fetched once into npm's cache). So the
// README's `npm start` and `npm test` need nothing but Node.js and npm, and a global pnpm of another version
// (which would refuse the pin) is never used. Plain JavaScript: it runs before anything is installed.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const pinned = String(manifest.packageManager ?? "").replace(/^pnpm@/, "");
if (!/^\d+\.\d+\.\d+$/.test(pinned)) {
  console.error(`package.json's packageManager should be pnpm@X.Y.Z, not '${manifest.packageManager}'`);
  process.exit(1);
}

function pnpmOnPath() {
  try {
    return execFileSync("pnpm", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const args = process.argv.slice(2);
const [command, commandArgs] = pnpmOnPath() === pinned ? ["pnpm", args] : ["npx", ["--yes", `pnpm@${pinned}`, ...args]];
const child = spawn(command, commandArgs, { stdio: "inherit" });
// Ctrl-C reaches the whole process group: the child stops in its own time, and its exit is this one's.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
child.on("error", (error) => {
  console.error(`could not run ${command}: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)));
