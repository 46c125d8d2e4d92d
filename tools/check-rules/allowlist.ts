import { type Allowlist, type Cast, type CastEntry, TODO_WHY } from "./rules.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== "string") throw new Error(`${where}: "${key}" must be a string`);
  return value;
}

/** Line (1-based) of each cast entry's "file" key, in order, so stale entries can point at themselves. */
function entryLines(text: string): number[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => /"casts"\s*:/.test(line));
  const found: number[] = [];
  if (start < 0) return found;
  for (let i = start; i < lines.length; i++) {
    const count = lines[i]?.match(/"file"\s*:/g)?.length ?? 0;
    for (let n = 0; n < count; n++) found.push(i + 1);
  }
  return found;
}

export function parseAllowlist(text: string): Allowlist {
  const data: unknown = JSON.parse(text);
  if (!isRecord(data)) throw new Error("allow-list must be a JSON object");
  const { codecs, casts } = data;
  if (!Array.isArray(codecs) || !codecs.every((c) => typeof c === "string")) throw new Error('"codecs" must be an array of paths');
  if (!Array.isArray(casts)) throw new Error('"casts" must be an array');
  const lines = entryLines(text);
  const entries = casts.map((raw: unknown, index): CastEntry => {
    const where = `casts[${index}]`;
    if (!isRecord(raw)) throw new Error(`${where} must be an object`);
    return {
      file: stringField(raw, "file", where),
      type: stringField(raw, "type", where),
      why: stringField(raw, "why", where),
      line: lines[index],
    };
  });
  return { codecs: codecs.filter((c) => typeof c === "string"), casts: entries };
}

/** New cast entries from what the code holds, in file and line order, keeping the why of each matching existing entry. */
export function rebuildCasts(found: Cast[], existing: CastEntry[]): CastEntry[] {
  const unused = [...existing];
  const sorted = [...found].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return sorted.map((cast) => {
    const index = unused.findIndex((entry) => entry.file === cast.file && entry.type === cast.type);
    const why = index >= 0 ? (unused.splice(index, 1)[0]?.why ?? TODO_WHY) : TODO_WHY;
    return { file: cast.file, type: cast.type, why };
  });
}

const WIDTH = 140;

/** An entry on one line when it fits in the line width, else one field per line: the layout Biome's formatter keeps. */
function serializeEntry(entry: CastEntry): string {
  const fields = [`"file": ${JSON.stringify(entry.file)}`, `"type": ${JSON.stringify(entry.type)}`, `"why": ${JSON.stringify(entry.why)}`];
  const oneLine = `    { ${fields.join(", ")} },`;
  return oneLine.length <= WIDTH ? oneLine.slice(0, -1) : `    {\n${fields.map((field) => `      ${field}`).join(",\n")}\n    }`;
}

export function serializeAllowlist(allowlist: Allowlist): string {
  const codecs = allowlist.codecs.map((path) => JSON.stringify(path));
  const codecsLine = `  "codecs": [${codecs.join(", ")}],`;
  const codecsText = codecsLine.length <= WIDTH ? `[${codecs.join(", ")}]` : `[\n${codecs.map((c) => `    ${c}`).join(",\n")}\n  ]`;
  const casts = allowlist.casts.map(serializeEntry);
  const castsText = casts.length === 0 ? "[]" : `[\n${casts.join(",\n")}\n  ]`;
  return `{\n  "codecs": ${codecsText},\n  "casts": ${castsText}\n}\n`;
}
