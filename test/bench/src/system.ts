import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import type { Arm } from "./client.ts";
import type { Portkey } from "./portkey.ts";
import type { UpstreamProcess } from "./upstream-process.ts";

/** Templates in the CPU-heavy pipeline, and items each one iterates over. */
export const cpuTemplates = 200;
export const cpuItems = 100;

function chatPipeline(alias: string): string {
  return [
    "inputs: { text: { type: string } }",
    "components:",
    `  answer: { type: llm, model: ${alias}, prompt: inputs.text }`,
    "outputs: { reply: answer.text }",
    "chat: { input: text, output: reply }",
  ].join("\n");
}

/**
 * The scale-out workload: `cpuTemplates` independent Mustache templates, each iterating a
 * section over the `cpuItems` objects of the input. Its cost is rendering, in the executor;
 * the gateway only parses a ~3 KB body and passes a ~1 KB result back.
 */
export function cpuPipeline(): string {
  const lines = ["inputs: { items: { type: array } }", "components:"];
  for (let index = 0; index < cpuTemplates; index += 1) {
    lines.push(`  t${index}: { type: template, template: "#${index} {{#items}}{{key}}={{value}};{{/items}}" }`);
  }
  lines.push("outputs: { text: t0.text }");
  return lines.join("\n");
}

export function cpuInput(): string {
  const items = Array.from({ length: cpuItems }, (_, index) => ({ key: `k${index}`, value: `v${index}` }));
  return JSON.stringify({ items });
}

/** The system under test: one gateway, one executor, aliases onto the bench upstream, the bench pipelines deployed. */
export async function startBenchSystem(upstream: UpstreamProcess, extraEnv: Record<string, string> = {}): Promise<TestSystem> {
  const models = {
    up: { base_url: upstream.baseUrl, model: "bench" },
    paced: { base_url: upstream.baseUrl, model: "paced" },
    slow: { base_url: upstream.baseUrl, model: "slow" },
  };
  // The built bundles, as `pnpm start` and the image run them (`pnpm bench` builds first).
  const system = await startSystem({
    gateways: 1,
    executors: 1,
    compiled: true,
    env: { SWITCHYARD_MODELS: JSON.stringify(models), ...extraEnv },
  });
  try {
    const pipelines = {
      bench: chatPipeline("up"),
      "bench-paced": chatPipeline("paced"),
      "bench-slow": chatPipeline("slow"),
      "bench-cpu": cpuPipeline(),
      // The background-executions workload: one template, nothing to wait on.
      "bench-noop":
        'inputs: { name: { type: string } }\ncomponents:\n  say: { type: template, template: "Hello, {{ name }} x1" }\noutputs: { text: say.text }',
    };
    for (const [name, source] of Object.entries(pipelines)) {
      const response = await requestJson(`${system.url()}/deploy-yaml`, { body: { name, source_code: source, overwrite: true } });
      if (response.status !== 200) throw new Error(`deploying ${name} failed: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return system;
  } catch (error) {
    await system.stop();
    throw error;
  }
}

export function directArm(upstream: UpstreamProcess): Arm {
  return {
    name: "direct",
    url: `${upstream.baseUrl}/chat/completions`,
    headers: { authorization: "Bearer x" },
    models: { zero: "bench", paced: "paced", slow: "slow" },
  };
}

export function switchyardArm(system: TestSystem): Arm {
  return {
    name: "switchyard",
    url: `${system.url()}/v1/chat/completions`,
    headers: { "x-api-key": system.adminKey },
    models: { zero: "bench", paced: "bench-paced", slow: "bench-slow" },
  };
}

export function portkeyArm(portkey: Portkey, upstream: UpstreamProcess): Arm {
  return {
    name: "portkey",
    url: `${portkey.url}/v1/chat/completions`,
    headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": upstream.baseUrl, authorization: "Bearer x" },
    models: { zero: "bench", paced: "paced", slow: "slow" },
  };
}
