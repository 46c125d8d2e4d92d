import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@switchyard/local";
import { requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// One request's trace, as the services export it over OTLP/HTTP to a receiver: HTTP → NATS → executor → model call
// and gRPC → mcp service → the MCP server, which gets the trace context in `params._meta`.
const work = mkdtempSync(join(tmpdir(), "switchyard-traces-"));
const metaServer = join(repoRoot, "test", "e2e", "fixtures", "meta-server.mjs");

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values: OtlpValue[] };
}
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, OtlpValue>;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpBody {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: OtlpAttribute[] }[] }[];
  }[];
}

const received: ExportedSpan[] = [];
let receiver: Server;
let system: TestSystem;
let upstream: Upstream;
let url: string;

/** An OTLP/HTTP JSON receiver: every span of every export, with its service's name. */
async function startReceiver(): Promise<string> {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpBody;
        for (const resource of body.resourceSpans ?? []) {
          const service = resource.resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value.stringValue ?? "";
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              const attributes = Object.fromEntries((span.attributes ?? []).map((attribute) => [attribute.key, attribute.value]));
              received.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? "",
                name: span.name,
                attributes,
              });
            }
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

beforeAll(async () => {
  const otlp = await startReceiver();
  upstream = await startUpstream();
  writeFileSync(join(work, "mcp.json"), JSON.stringify({ mcpServers: { meta: { command: process.execPath, args: [metaServer] } } }));
  system = await startSystem({
    withMcp: true,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      MCP_CONFIG_PATH: join(work, "mcp.json"),
      SWITCHYARD_MODELS: JSON.stringify({ script: { base_url: upstream.url, model: "agent-script" } }),
    },
  });
  url = system.url();
  const source = ["name: traced", "model: script", "instructions: Use the tool.", "tools:", "  - mcp: meta"].join("\n");
  const deployed = await requestJson(`${url}/v1/agents`, { rawBody: source, headers: { "content-type": "application/yaml" } });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
});
afterAll(async () => {
  await system?.stop();
  await upstream?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const numberOf = (value: OtlpValue | undefined) => Number(value?.intValue ?? value?.doubleValue ?? Number.NaN);

describe("traces", () => {
  it("follow one request from HTTP through NATS, the executor, the model call and gRPC to the MCP server", async () => {
    const traceId = randomBytes(16).toString("hex");
    const invoked = await requestJson(`${url}/v1/agents/traced/invoke`, {
      body: { input: "trace me" },
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    });
    expect(invoked.status, JSON.stringify(invoked.body)).toBe(200);
    // The MCP server answered with the `_meta` it got: the caller's trace, continued.
    const output = (invoked.body as { output: string }).output;
    expect(output).toMatch(new RegExp(`"traceparent":"00-${traceId}-[0-9a-f]{16}-01"`));

    const inTrace = () => received.filter((span) => span.traceId === traceId);
    // Spans are exported in batches: wait for the last hops' to arrive.
    await expect
      .poll(
        () => {
          const spans = inTrace();
          return (
            spans.some((span) => span.name.startsWith("tools/call")) && spans.filter((span) => span.name.startsWith("chat ")).length >= 2
          );
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(true);
    const spans = inTrace();
    const services = new Set(spans.map((span) => span.service));
    for (const service of ["gateway", "executor", "mcp"])
      expect(services, JSON.stringify(spans.map((span) => [span.service, span.name]))).toContain(service);
    expect(spans.find((span) => span.service === "gateway" && span.name.startsWith("HTTP POST"))).toBeDefined();

    // The model calls, in the GenAI conventions: `chat {model}` with the usage and the time to the first piece.
    const chats = spans.filter((span) => span.name === "chat agent-script");
    expect(chats.length).toBe(2);
    for (const chat of chats) {
      expect(chat.service).toBe("executor");
      expect(chat.attributes["gen_ai.operation.name"]?.stringValue).toBe("chat");
      expect(chat.attributes["gen_ai.request.model"]?.stringValue).toBe("agent-script");
      expect(numberOf(chat.attributes["gen_ai.usage.input_tokens"])).toBeGreaterThan(0);
      expect(numberOf(chat.attributes["gen_ai.usage.output_tokens"])).toBeGreaterThan(0);
      expect(numberOf(chat.attributes["gen_ai.response.time_to_first_chunk"])).toBeGreaterThanOrEqual(0);
    }
    // The tool call: a span of the mcp service, under its gRPC server span, whose id the server received.
    const call = spans.find((span) => span.service === "mcp" && span.name === "tools/call echo");
    expect(call?.attributes["gen_ai.tool.name"]?.stringValue).toBe("echo");
    expect(call?.attributes["mcp.method.name"]?.stringValue).toBe("tools/call");
    expect(output).toContain(`"traceparent":"00-${traceId}-${call?.spanId}-01"`);
    const parent = spans.find((span) => span.spanId === call?.parentSpanId);
    expect(parent?.service).toBe("mcp");
  });
});
