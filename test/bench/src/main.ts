import { mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOptions, type ScenarioKey } from "./options.ts";
import { environment } from "./procs.ts";
import { type ProfileReport, profileServices } from "./profile.ts";
import { writeReport } from "./report/markdown.ts";
import { checkTargets, type Results, verdict, writeJson } from "./results.ts";
import { runAccess } from "./scenarios/access.ts";
import { runCancellation } from "./scenarios/cancellation.ts";
import { runCapacity } from "./scenarios/capacity.ts";
import { runCode } from "./scenarios/code.ts";
import { runExecutions } from "./scenarios/executions.ts";
import { runLatency } from "./scenarios/latency.ts";
import { runMemory, sampleMemory } from "./scenarios/memory.ts";
import { runScaleOut } from "./scenarios/scale-out.ts";
import { runStreaming } from "./scenarios/streaming.ts";
import { runThroughput } from "./scenarios/throughput.ts";
import { type Setup, type Stoppable, setUp } from "./setup.ts";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(benchDir, "..", "..");
const options = parseOptions(process.argv.slice(2), join(benchDir, "results"));
const log = (line: string) => console.log(line);

if (options.reportOnly) {
  writeReport(JSON.parse(readFileSync(options.out, "utf8")) as Results, repoRoot, benchDir);
  log(`BENCHMARKS.md regenerated from ${options.out}`);
  process.exit(0);
}

const started = Date.now();
const results: Results = {
  mode: options.settings.mode,
  startedAt: new Date(started).toISOString(),
  durationS: 0,
  environment: environment(),
  settings: options.settings,
  scenarios: {},
  errors: [],
  targets: [],
};
const cleanups: Stoppable[] = [];
async function cleanup(): Promise<void> {
  for (let entry = cleanups.pop(); entry; entry = cleanups.pop()) {
    const name = entry.name;
    await entry.stop().catch((error: unknown) => console.error(`stopping ${name} failed:`, error));
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}
// A crash outside the scenarios' own error handling still stops NATS, Redis and every child.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.once(event, (error: unknown) => {
    console.error(`\n${event}: stopping everything`, error);
    void cleanup().finally(() => process.exit(1));
  });
}

/** Runs one scenario unless --only leaves it out; a failure is recorded and the run goes on. */
async function stage<T>(key: ScenarioKey, title: string, run: () => Promise<T>): Promise<T | undefined> {
  if (options.only && !options.only.has(key)) return undefined;
  const begun = Date.now();
  log(`\n== ${title}`);
  try {
    const value = await run();
    log(`   (${((Date.now() - begun) / 1000).toFixed(1)} s)`);
    return value;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`   ${title} failed: ${message}`);
    results.errors.push({ scenario: title, message });
    return undefined;
  }
}

const env = results.environment;
log(`Switchyard bench (${options.settings.mode}) on ${env.cpuModel}, ${env.cores} cores, Node ${env.node}, ${env.nats}, ${env.redis}`);
log(`load average at start: ${env.loadAverageAtStart.join(" ")} (the machine is shared: figures are noisy)`);
const profileDir = join(benchDir, "results", "profiles", results.startedAt.replace(/[:.]/g, "-"));
let setup: Setup | undefined;
let loadFromMicros = 0;
try {
  setup = await setUp(options, cleanups, results.errors, log, profileDir);
  const { context, services } = setup;
  const idle = await sampleMemory(services);
  loadFromMicros = Number(process.hrtime.bigint() / 1000n);
  const scenarios = results.scenarios;
  scenarios.latency = await stage("latency", "1. Added latency (non-streaming, concurrency 1)", () => runLatency(context));
  scenarios.throughput = await stage("throughput", "2. Throughput sweep (non-streaming)", () => runThroughput(context));
  scenarios.streaming = await stage("streaming", "3a. Streaming: TTFT and inter-chunk gaps (paced)", () => runStreaming(context));
  scenarios.capacity = await stage("capacity", "3b. Streaming: concurrent paced streams", () => runCapacity(context));
  scenarios.cancellation = await stage("cancellation", "4. Cancellation", () => runCancellation(context));
  scenarios.memory = await stage("memory", "5. Memory", () => runMemory(context, services, idle));
  scenarios.access = await stage("access", "6. Authentication and per-key limits (added latency, concurrency 1)", () => runAccess(context));
  scenarios.scaleOut = await stage("scaleout", "7. Scale-out (CPU-heavy pipeline)", () => runScaleOut(context));
  scenarios.executions = await stage("executions", "8. Background executions against BullMQ (no-op, concurrency 64)", () =>
    runExecutions(context),
  );
  scenarios.code = await stage("code", "9. Code pipelines beside YAML (cold start, warm runs/s)", () => runCode(context));
} catch (error) {
  console.error("the bench could not run:", error);
  results.errors.push({ scenario: "setup", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
} finally {
  await cleanup();
}

if (options.profile && setup) {
  log("\n== CPU profiles of the scenarios (self time, start-up and idle excluded)");
  const report: ProfileReport = {
    startedAt: results.startedAt,
    mode: results.mode,
    scenarios: options.only ? [...options.only].join(", ") : "all",
    services: profileServices(profileDir, setup.services, loadFromMicros, log),
  };
  writeJson(join(benchDir, "results", "profile.json"), report, repoRoot);
}
results.durationS = Math.round((Date.now() - started) / 100) / 10;
results.environment.loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
results.targets = checkTargets(results);
mkdirSync(dirname(options.out), { recursive: true });
writeJson(options.out, results, repoRoot);
log(`\nresults: ${options.out}`);
if (options.writeMarkdown) {
  writeReport(results, repoRoot, benchDir);
  log("BENCHMARKS.md and test/bench/results/latency-vs-concurrency.svg regenerated");
}
log(`\n== Targets (goals, not assertions): ${results.mode} run, ${results.durationS} s`);
for (const check of results.targets) log(`  ${verdict(check.met).padEnd(10)} ${check.target}: ${check.figure}`);
for (const error of results.errors) log(`  error in ${error.scenario}: ${error.message.split("\n")[0]}`);
process.exit(results.errors.length > 0 ? 1 : 0);
