const colors = { registry: 35, executor: 36, gateway: 32, system: 33 } as const;
const levelMarks: Record<string, string> = { trace: "·", debug: "·", info: " ", warn: "!", error: "✖", fatal: "✖" };
const hidden = new Set(["level", "time", "service", "instance", "msg", "event", "trace_id", "span_id", "pid", "hostname"]);

/** Turns a service's JSON log line into one short readable line with a colored prefix. */
export function formatLine(source: keyof typeof colors | string, line: string, color: boolean): string {
  const name = source.padEnd(10);
  const prefix = color ? `\u001b[${colors[source as keyof typeof colors] ?? 37}m${name}\u001b[0m` : name;
  let fields: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null) return `${prefix} ${line}`;
    fields = parsed as Record<string, unknown>;
  } catch {
    return `${prefix} ${line}`;
  }
  const extras = Object.entries(fields)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const mark = levelMarks[String(fields.level)] ?? " ";
  return `${prefix}${mark}${String(fields.msg ?? "")}${extras ? ` ${extras}` : ""}`;
}
