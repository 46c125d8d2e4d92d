import type { ArmName } from "../client.ts";
import type { ThroughputResult } from "../scenarios/throughput.ts";

const colours: Record<ArmName, string> = { direct: "#6b7280", switchyard: "#2563eb", portkey: "#dc2626" };
const labels: Record<ArmName, string> = { direct: "direct", switchyard: "Switchyard", portkey: "Portkey" };

const xmlText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fixed = (value: number) => value.toFixed(1);

/** p50 (solid) and p99 (dashed) latency against concurrency for each arm, log-scale y, as an SVG document. */
export function latencyChart(throughput: ThroughputResult, subtitle: string): string {
  const width = 760;
  const height = 440;
  const left = 70;
  const right = 570;
  const top = 64;
  const bottom = 380;
  const levels = throughput.levels.map((level) => level.concurrency);
  const arms = (["direct", "switchyard", "portkey"] as const).filter((arm) => throughput.levels.some((level) => level.arms[arm]));
  const values = throughput.levels.flatMap((level) =>
    arms.flatMap((arm) => [level.arms[arm]?.p50Ms ?? 0, level.arms[arm]?.p99Ms ?? 0]).filter((value) => value > 0),
  );
  const low = Math.floor(Math.log10(Math.min(...values, 1)));
  const high = Math.ceil(Math.log10(Math.max(...values, 1)));
  const span = Math.max(1, high - low);
  const x = (index: number) => left + 30 + (index / Math.max(1, levels.length - 1)) * (right - left - 60);
  const y = (value: number) => bottom - ((Math.log10(value) - low) / span) * (bottom - top);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="bold">Latency against concurrency (non-streaming, zero-delay upstream)</text>`,
    `<text x="${left}" y="44" fill="#4b5563">${xmlText(subtitle)}</text>`,
  ];
  for (let power = low; power <= high; power += 1) {
    for (const multiple of [1, 2, 5]) {
      const value = multiple * 10 ** power;
      if (Math.log10(value) > high + 1e-9) continue;
      const at = fixed(y(value));
      const major = multiple === 1;
      parts.push(`<line x1="${left}" y1="${at}" x2="${right}" y2="${at}" stroke="${major ? "#d1d5db" : "#f3f4f6"}"/>`);
      parts.push(
        `<text x="${left - 8}" y="${at}" text-anchor="end" dominant-baseline="middle" fill="#374151">${value < 1 ? value.toFixed(-power) : value}</text>`,
      );
    }
  }
  for (const [index, level] of levels.entries()) {
    parts.push(`<line x1="${fixed(x(index))}" y1="${bottom}" x2="${fixed(x(index))}" y2="${bottom + 5}" stroke="#374151"/>`);
    parts.push(`<text x="${fixed(x(index))}" y="${bottom + 20}" text-anchor="middle" fill="#374151">${level}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#374151"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#374151"/>`);
  parts.push(`<text x="${(left + right) / 2}" y="${bottom + 44}" text-anchor="middle">concurrent requests</text>`);
  parts.push(
    `<text x="18" y="${(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(top + bottom) / 2})">latency, ms (log scale)</text>`,
  );
  for (const arm of arms) {
    for (const quantile of ["p50Ms", "p99Ms"] as const) {
      const points = throughput.levels
        .map((level, index) => ({ index, value: level.arms[arm]?.[quantile] ?? 0 }))
        .filter((point) => point.value > 0)
        .map((point) => `${fixed(x(point.index))},${fixed(y(point.value))}`);
      const dash = quantile === "p99Ms" ? ' stroke-dasharray="6 4"' : "";
      parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${colours[arm]}" stroke-width="2"${dash}/>`);
      for (const point of points) {
        const [px, py] = point.split(",");
        parts.push(
          quantile === "p50Ms"
            ? `<circle cx="${px}" cy="${py}" r="3.5" fill="${colours[arm]}"/>`
            : `<rect x="${Number(px) - 3}" y="${Number(py) - 3}" width="6" height="6" fill="#ffffff" stroke="${colours[arm]}" stroke-width="1.5"/>`,
        );
      }
    }
  }
  arms.forEach((arm, index) => {
    const at = top + 10 + index * 44;
    parts.push(`<text x="${right + 24}" y="${at}" font-weight="bold" fill="${colours[arm]}">${labels[arm]}</text>`);
    parts.push(`<line x1="${right + 24}" y1="${at + 12}" x2="${right + 54}" y2="${at + 12}" stroke="${colours[arm]}" stroke-width="2"/>`);
    parts.push(`<text x="${right + 60}" y="${at + 16}" fill="#374151">p50</text>`);
    parts.push(
      `<line x1="${right + 94}" y1="${at + 12}" x2="${right + 124}" y2="${at + 12}" stroke="${colours[arm]}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    parts.push(`<text x="${right + 130}" y="${at + 16}" fill="#374151">p99</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
