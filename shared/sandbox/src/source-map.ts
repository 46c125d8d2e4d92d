import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

/** Where the bundle's positions appear in a sandbox's error messages (QuickJS stack frames). */
const bundlePosition = /pipeline_wrapper\.js:(\d+):(\d+)/g;
/** esbuild names the deploy's files by their plugin namespace. */
const namespacePrefix = /^deploy:/;

const maps = new Map<string, TraceMap>();

/** A parsed source map, kept for the few bundles in use (parsing costs more than a lookup). */
function traceMapOf(sourceMap: string): TraceMap | undefined {
  const cached = maps.get(sourceMap);
  if (cached) return cached;
  let parsed: TraceMap;
  try {
    parsed = new TraceMap(sourceMap);
  } catch {
    return undefined;
  }
  if (maps.size >= 16) maps.delete(maps.keys().next().value ?? "");
  maps.set(sourceMap, parsed);
  return parsed;
}

/**
 * A sandbox error's message with the bundle's positions (`pipeline_wrapper.js:25:22`) turned
 * into the deployed file's own (`lib/messages.ts:3:11`) through the bundle's source map;
 * positions the map does not know are left as they are.
 */
export function withSourcePositions(message: string, sourceMap: string | undefined): string {
  if (!sourceMap || !message.includes("pipeline_wrapper.js:")) return message;
  const map = traceMapOf(sourceMap);
  if (!map) return message;
  return message.replace(bundlePosition, (whole, line: string, column: string) => {
    const found = originalPositionFor(map, { line: Number(line), column: Math.max(0, Number(column) - 1) });
    return found.source && found.line !== null
      ? `${found.source.replace(namespacePrefix, "")}:${found.line}:${(found.column ?? 0) + 1}`
      : whole;
  });
}
