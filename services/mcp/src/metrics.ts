import { boundedLabel, Counter, Histogram, otherLabel, type Registry, secondsBuckets } from "@switchyard/telemetry";

/** Server and tool pairs kept as label values; past this, `other`. */
const maxToolLabels = 2000;

/** How a tool call ended: `success`, `tool_error` (the tool answered with isError), or the error code. */
export type CallOutcome = string;

/**
 * The mcp service's metrics: tool calls by server, tool and outcome, with their duration. Only tools a running
 * server lists are counted (a made-up name is refused before), and at most 2,000 server and tool pairs are kept.
 */
export function createMcpMetrics(registry: Registry) {
  const pairs = boundedLabel(maxToolLabels);
  const calls = new Counter({
    name: "switchyard_mcp_tool_calls_total",
    help: "MCP tool calls by server, tool and outcome (success, tool_error, or the error code).",
    labelNames: ["server", "tool", "outcome"],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "switchyard_mcp_tool_call_duration_seconds",
    help: "MCP tool call duration in seconds, by server.",
    labelNames: ["server"],
    buckets: secondsBuckets,
    registers: [registry],
  });
  return {
    call(server: string, tool: string, outcome: CallOutcome, durationSeconds: number): void {
      const kept = pairs.admit(`${server}\u0000${tool}`) !== otherLabel;
      calls.inc({ server: kept ? server : otherLabel, tool: kept ? tool : otherLabel, outcome });
      seconds.observe({ server: kept ? server : otherLabel }, durationSeconds);
    },
  };
}

export type McpMetrics = ReturnType<typeof createMcpMetrics>;
