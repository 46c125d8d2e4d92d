import { requestJson } from "@switchyard/testing";
import { keepAliveAgent, postJson } from "../client.ts";
import { closedLoop, cpuPerRequest, type LoadRun, mergeRuns } from "../load.ts";
import type { BenchContext } from "../options.ts";
import { median, percentile, round } from "../stats.ts";

/** Scenario 10: a trivial code pipeline (a TypeScript wrapper in the sandbox) beside the same logic as a YAML pipeline. */
export interface CodeArm {
  name: "yaml" | "code";
  /** The first run after each deploy (the executor fetches the new version; a wrapper also gets a new sandbox), ms. */
  coldMs: number[];
  /** The run right after it, on the now warm definition. */
  warmMs: number[];
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMsPerRequest: Record<string, number>;
}

export interface CodeResult {
  concurrency: number;
  segments: number;
  measureMs: number;
  arms: CodeArm[];
}

const yamlSource = (version: number) =>
  [
    "name: bench-greet-yaml",
    `description: greets (version ${version})`,
    "inputs: { name: { type: string } }",
    "components:",
    '  greet: { type: template, template: "Hello, {{name}}!" }',
    "outputs: { text: greet.text }",
  ].join("\n");

const wrapperSource = (version: number) =>
  [
    `export const description = "greets (version ${version})";`,
    'export const inputs = { name: { type: "string" } };',
    "export function runApi(inputs: { name: string }) {",
    "  return { text: 'Hello, ' + inputs.name + '!' };",
    "}",
  ].join("\n");

async function deploy(context: BenchContext, name: CodeArm["name"], version: number): Promise<void> {
  const url = context.system.url();
  const response =
    name === "yaml"
      ? await requestJson(`${url}/deploy-yaml`, { body: { name: "bench-greet-yaml", source_code: yamlSource(version), overwrite: true } })
      : await requestJson(`${url}/deploy_files`, {
          body: { name: "bench-greet-code", files: { "pipeline_wrapper.ts": wrapperSource(version) }, overwrite: true },
        });
  if (response.status !== 200)
    throw new Error(`deploying the ${name} pipeline failed: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function runCode(context: BenchContext): Promise<CodeResult> {
  const { coldStarts, concurrency, segments, warmMs, measureMs } = context.settings.code;
  const headers = { "x-api-key": context.system.adminKey, "content-type": "application/json" };
  const body = JSON.stringify({ name: "Ada" });
  const path = (name: CodeArm["name"]) => `${context.system.url()}/bench-greet-${name}/run`;
  const single = keepAliveAgent(1);
  const once = async (name: CodeArm["name"]) => {
    const result = await postJson(path(name), headers, body, single, 10_000);
    if (!result.ok) throw new Error(`a ${name} run failed: ${result.error}`);
    return round(result.ms);
  };
  const names: CodeArm["name"][] = ["yaml", "code"];
  const cold: Record<CodeArm["name"], number[]> = { yaml: [], code: [] };
  const warm: Record<CodeArm["name"], number[]> = { yaml: [], code: [] };
  // Deploy, run once (cold), run again (warm): the two kinds in turn, each deploy a new version.
  for (let version = 1; version <= coldStarts; version += 1) {
    for (const name of names) {
      await deploy(context, name, version);
      cold[name].push(await once(name));
      warm[name].push(await once(name));
    }
  }
  for (const name of names)
    context.log(`  ${name}: first run after a deploy p50 ${median(cold[name])} ms, the next ${median(warm[name])} ms`);
  const agent = keepAliveAgent(concurrency);
  const pids = { gateway: context.pids.gateway ?? 0, executor: context.pids.executor ?? 0, nats: context.pids.nats ?? 0 };
  const runs: Record<CodeArm["name"], LoadRun[]> = { yaml: [], code: [] };
  for (let segment = 0; segment < segments; segment += 1) {
    for (const name of segment % 2 === 0 ? names : [...names].reverse()) {
      runs[name].push(await closedLoop({ url: path(name), headers, body, agent, concurrency, warmMs, measureMs, pids }));
    }
  }
  agent.destroy();
  single.destroy();
  const arms = names.map((name): CodeArm => {
    const merged = mergeRuns(runs[name]);
    const sorted = merged.latencies.sort((a, b) => a - b);
    const arm: CodeArm = {
      name,
      coldMs: cold[name],
      warmMs: warm[name],
      rps: round(merged.completed / (merged.measuredMs / 1000), 1),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      errors: merged.errors,
      cpuMsPerRequest: cpuPerRequest(merged),
    };
    context.log(
      `  ${name}: ${arm.rps} runs/s at concurrency ${concurrency}, p50 ${arm.p50Ms} ms, p99 ${arm.p99Ms} ms, ${arm.errors} errors`,
    );
    return arm;
  });
  return { concurrency, segments, measureMs, arms };
}
