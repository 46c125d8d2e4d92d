/** Small Markdown helpers for the generated BENCHMARKS.md. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((cell) => String(cell)).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A number for a table cell: "–" when missing. */
export function num(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return "∞";
  return value.toFixed(digits);
}

/** Signed difference, e.g. "+0.84". */
export function signed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
}

export function thousands(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  return Math.round(value).toLocaleString("en-US");
}

export const armLabel = { direct: "direct", switchyard: "Switchyard", portkey: "Portkey" } as const;
