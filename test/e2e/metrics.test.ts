import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMcpClient, type McpGrpcClient } from "@switchyard/grpc";
import { repoRoot, type ServiceProcess } from "@switchyard/local";
import { apiKeyHeaders, requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";
import { waitForStatus } from "./execution-helpers.ts";

// Prometheus text from every service, parsed by a Prometheus text parser, changing as traffic flows.
const work = mkdtempSync(join(tmpdir(), "switchyard-metrics-"));
const everything = createRequire(join(repoRoot, "services", "mcp", "package.json")).resolve(
  "@modelcontextprotocol/server-everything/dist/index.js",
);

let system: TestSystem;
let upstream: Upstream;
let url: string;
let grpc: McpGrpcClient;

beforeAll(async () => {
  upstream = await startUpstream();
  writeFileSync(
    join(work, "mcp.json"),
    JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [everything, "stdio"] } } }),
  );
  system = await startSystem({
    withSessions: true,
    withMcp: true,
    env: { SWITCHYARD_MODELS: upstreamModels(upstream.url), MCP_CONFIG_PATH: join(work, "mcp.json") },
  });
  url = system.url();
  grpc = createMcpClient(`127.0.0.1:${system.mcp?.ready.grpcPort}`);
  await deployAll(url, {
    "metered-chat": chatPipeline("metered-chat", "remote"),
    "metered-steps": [
      "name: metered-steps",
      "inputs: { name: { type: string } }",
      "components:",
      "  greet: { type: template, template: 'Hello, {{name}}' }",
      "  shout: { type: template, template: '{{greet.text}}!' }",
      "outputs: { text: shout.text }",
    ].join("\n"),
  });
  const agent = await requestJson(`${url}/api/v1/agents`, {
    body: { id: "metered-agent", name: "Metered", model: "remote", system_prompt: "Hi." },
  });
  expect(agent.status, JSON.stringify(agent.body)).toBe(201);
});
afterAll(async () => {
  grpc?.close();
  await system?.stop();
  await upstream?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A histogram's `_count` and `_sum` lines, read from the text: the parser drops a labelled histogram's labels. */
function histogramLines(text: string, family: string): Sample[] {
  const out: Sample[] = [];
  const pattern = new RegExp(`^(${family}_(?:count|sum))\\{([^}]*)\\} (\\S+)$`);
  for (const line of text.split("\n")) {
    const match = pattern.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const labels = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key ?? "", value ?? ""]));
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

/** Every sample of the text, through the parser (a histogram as its `_count` and `_sum`). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const family of parsePrometheusTextFormat(text)) {
    if (family.type === "HISTOGRAM") {
      out.push(...histogramLines(text, family.name));
      continue;
    }
    for (const metric of family.metrics) {
      if (metric.value !== undefined) out.push({ name: family.name, labels: metric.labels ?? {}, value: Number(metric.value) });
    }
  }
  return out;
}

const gatewayMetrics = async (path = "/metrics") => {
  const response = await fetch(`${url}${path}`, { headers: apiKeyHeaders() });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return samples(await response.text());
};
const serviceMetrics = async (service: ServiceProcess | undefined) => {
  const response = await fetch(`http://127.0.0.1:${service?.ready.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  return samples(await response.text());
};
/** The sum of the samples with this name and these labels (0 when there is none yet). */
const sampleValue = (all: Sample[], name: string, labels: Record<string, string>) =>
  all
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
/** The series Switchyard defines (the runtime's own, such as GC kinds, come and go by themselves). */
const seriesOf = (all: Sample[]) =>
  new Set(
    all
      .filter((sample) => sample.name.startsWith("switchyard_") || sample.name.startsWith("agentspec_"))
      .map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`),
  );

describe("Prometheus metrics", () => {
  it("serves the gateway's at /metrics and /v1/metrics behind a key, counting requests by route template", async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const before = await gatewayMetrics();
    for (let index = 0; index < 3; index += 1) {
      expect((await requestJson(`${url}/metered-steps/run`, { body: { name: `n${index}` } })).status).toBe(200);
    }
    const after = await gatewayMetrics("/v1/metrics");
    const labels = { route: "/:name/run", method: "POST", status: "200" };
    expect(
      sampleValue(after, "switchyard_http_requests_total", labels) - sampleValue(before, "switchyard_http_requests_total", labels),
    ).toBe(3);
    expect(sampleValue(after, "switchyard_http_request_duration_seconds_count", { route: "/:name/run" })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(after, "switchyard_auth_failures_total", {})).toBeGreaterThanOrEqual(1);
    // The process's own metrics, labelled with the service.
    expect(sampleValue(after, "process_resident_memory_bytes", { service: "gateway" })).toBeGreaterThan(0);
  });

  it("serves AgentSpec's families: requests, durations, tokens, sessions and pipeline steps", async () => {
    const invoked = await requestJson(`${url}/v1/agents/metered-agent/invoke`, { body: { input: "count me" } });
    expect(invoked.status, JSON.stringify(invoked.body)).toBe(200);
    const prompted = await requestJson(`${url}/api/v1/agents/metered-agent/prompt/sync`, {
      body: { message: "remember me", conversation_id: "metered-conversation" },
    });
    expect(prompted.status, JSON.stringify(prompted.body)).toBe(200);
    const gateway = await gatewayMetrics("/v1/metrics");
    expect(sampleValue(gateway, "agentspec_requests_total", { agent: "metered-agent", endpoint: "invoke", status: "200" })).toBe(1);
    expect(sampleValue(gateway, "agentspec_request_duration_seconds_count", { agent: "metered-agent", endpoint: "invoke" })).toBe(1);
    expect(sampleValue(gateway, "agentspec_tokens_total", { agent: "metered-agent", type: "input" })).toBeGreaterThan(0);
    expect(sampleValue(gateway, "agentspec_tokens_total", { agent: "metered-agent", type: "output" })).toBeGreaterThan(0);
    const session = await serviceMetrics(system.session);
    expect(sampleValue(session, "agentspec_sessions_active", { agent: "metered-agent" })).toBeGreaterThanOrEqual(1);
    const executor = await serviceMetrics(system.executors[0]);
    expect(sampleValue(executor, "agentspec_pipeline_steps_total", { pipeline: "metered-steps", step: "shout", status: "completed" })).toBe(
      3,
    );
  });

  it("counts runs, model calls, time to first token, tokens by model, and the background queue on the executor", async () => {
    const before = await serviceMetrics(system.executors[0]);
    const chat = await requestJson(`${url}/v1/chat/completions`, {
      body: { model: "metered-chat", messages: [{ role: "user", content: "tokens please" }], stream: true },
    });
    expect(chat.status).toBe(200);
    const submitted = await requestJson(`${url}/v1/pipelines/metered-steps/runs`, { body: { name: "later" } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    await waitForStatus(url, (submitted.body as { id: string }).id, "succeeded");
    const after = await serviceMetrics(system.executors[0]);
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta("switchyard_runs_total", { name: "metered-chat", kind: "pipeline", outcome: "success" })).toBe(1);
    expect(delta("switchyard_runs_total", { name: "metered-steps", kind: "pipeline", outcome: "success" })).toBe(1);
    expect(delta("switchyard_model_calls_total", { model: "remote", outcome: "success" })).toBe(1);
    expect(delta("switchyard_model_time_to_first_token_seconds_count", { model: "remote" })).toBe(1);
    expect(delta("switchyard_model_tokens_total", { model: "remote", direction: "input" })).toBeGreaterThan(0);
    expect(after.some((sample) => sample.name === "switchyard_executor_runs_in_flight")).toBe(true);
    expect(after.find((sample) => sample.name === "switchyard_executions_queue_depth" && sample.labels.state === "waiting")?.value).toBe(0);
    expect(after.some((sample) => sample.name === "switchyard_executions_redeliveries_total")).toBe(true);
  });

  it("counts MCP tool calls by server, tool and outcome on the mcp service", async () => {
    await expect
      .poll(async () => (await grpc.listTools("everything", { deadlineMs: 5000 }).catch(() => [])).length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    await grpc.callTool("everything", "echo", { message: "metered" }, { deadlineMs: 10_000 });
    const mcp = await serviceMetrics(system.mcp);
    expect(sampleValue(mcp, "switchyard_mcp_tool_calls_total", { server: "everything", tool: "echo", outcome: "success" })).toBe(1);
    expect(sampleValue(mcp, "switchyard_mcp_tool_call_duration_seconds_count", { server: "everything" })).toBe(1);
  });

  it("has every family the Grafana dashboard in deploy/ queries", async () => {
    const dashboard = readFileSync(join(repoRoot, "deploy", "grafana", "switchyard-dashboard.json"), "utf8");
    const queried = new Set(
      [...dashboard.matchAll(/\b((?:switchyard|agentspec|process)_[a-z_]+?)(?:_bucket)?\b/g)].map((match) => match[1]),
    );
    const texts = await Promise.all([
      fetch(`${url}/metrics`, { headers: apiKeyHeaders() }).then((response) => response.text()),
      ...[system.executors[0], system.mcp, system.session].map((service) =>
        fetch(`http://127.0.0.1:${service?.ready.metricsPort}/metrics`).then((response) => response.text()),
      ),
    ]);
    const families = new Set(texts.flatMap((text) => parsePrometheusTextFormat(text).map((family) => family.name)));
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => name !== undefined && !families.has(name))).toEqual([]);
  });

  it("adds no series for 1,000 unknown model names", async () => {
    // Once, so every series an unknown model's refusal makes exists before the baseline.
    await requestJson(`${url}/v1/chat/completions`, { body: { model: "warm-up-unknown", messages: [{ role: "user", content: "x" }] } });
    await requestJson(`${url}/v1/agents/warm-up-unknown/invoke`, { body: { input: "x" } });
    const gatewayBefore = seriesOf(await gatewayMetrics());
    const executorBefore = seriesOf(await serviceMetrics(system.executors[0]));
    const names = Array.from({ length: 1000 }, (_, index) => `unknown-model-${index}`);
    for (let start = 0; start < names.length; start += 25) {
      await Promise.all(
        names.slice(start, start + 25).map(async (model, index) => {
          const response =
            index % 2 === 0
              ? await requestJson(`${url}/v1/chat/completions`, { body: { model, messages: [{ role: "user", content: "x" }] } })
              : await requestJson(`${url}/v1/agents/${model}/invoke`, { body: { input: "x" } });
          expect(response.status).toBe(404);
        }),
      );
    }
    const gatewayAfter = seriesOf(await gatewayMetrics());
    const executorAfter = seriesOf(await serviceMetrics(system.executors[0]));
    expect([...gatewayAfter].filter((series) => !gatewayBefore.has(series))).toEqual([]);
    expect([...executorAfter].filter((series) => !executorBefore.has(series))).toEqual([]);
    expect([...gatewayAfter].some((series) => series.includes("unknown-model"))).toBe(false);
  });
});
