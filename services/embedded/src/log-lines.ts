import { JsonObject, parseJsonOrUndefined } from "@switchyard/contracts";

/** A service's log line: pino's JSON object. */
const LogLine = JsonObject;

const colors: Record<string, number> = { registry: 35, executor: 36, gateway: 32, mcp: 34, session: 95, system: 33 };
const levelMarks: Record<string, string> = { trace: "·", debug: "·", info: " ", warn: "!", error: "✖", fatal: "✖" };
const hidden = new Set(["level", "time", "service", "instance", "msg", "event", "trace_id", "span_id", "pid", "hostname"]);

/** Turns a service's JSON log line into one short readable line with a colored prefix. */
export function formatLine(source: string, line: string, color: boolean): string {
  const name = source.padEnd(10);
  const prefix = color ? `\u001b[${colors[source] ?? 37}m${name}\u001b[0m` : name;
  const fields = parseJsonOrUndefined(LogLine, line);
  if (!fields) return `${prefix} ${line}`;
  const extras = Object.entries(fields)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const mark = levelMarks[String(fields.level)] ?? " ";
  return `${prefix}${mark}${String(fields.msg ?? "")}${extras ? ` ${extras}` : ""}`;
}
