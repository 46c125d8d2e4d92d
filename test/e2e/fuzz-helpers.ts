import { connectNats } from "@switchyard/nats";
import { createCorelessApp } from "../../services/gateway/src/coreless-app.ts";
import { type RouteEntry, routeTable } from "../../services/gateway/src/http/route-table.ts";

/** The gateway's route table, read from an app built the way the gateway builds it (nothing is served by it). */
export async function gatewayRoutes(natsUrl: string): Promise<RouteEntry[]> {
  const nats = await connectNats({ url: natsUrl, name: "fuzz-routes" });
  try {
    const app = createCorelessApp(nats, "fuzz-routes");
    return routeTable(app).filter((route) => route.method !== "_all");
  } finally {
    await nats.close();
  }
}

/** A small seeded generator (mulberry32): the same seed gives the same cases, so a failure can be replayed. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}
export type Random = ReturnType<typeof random>;

const words = [
  "a",
  "name",
  "text",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "model",
  "{{",
  "}}",
  "{{#x}}",
  "é",
  "\u0000",
  "../",
  "$ref",
];

/** A random JSON value: deep, wide, or odd, within bounds. */
export function jsonValue(r: Random, depth = 0): unknown {
  const kind = depth > 5 ? r.int(4) : r.int(7);
  switch (kind) {
    case 0:
      return r.pick([null, true, false, 0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER]);
    case 1:
      return r.pick(words).repeat(1 + r.int(r.next() < 0.1 ? 2000 : 3));
    case 2:
      return r.int(1_000_000) - 500_000;
    case 3:
      return "";
    case 4:
      return Array.from({ length: r.int(6) }, () => jsonValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(6) }, () => [r.pick(words), jsonValue(r, depth + 1)]));
  }
}

/** A random pipeline or agent definition in YAML-ish JSON: mostly plausible, sometimes broken. */
export function definition(r: Random): Record<string, unknown> {
  const inputs = Object.fromEntries(
    Array.from({ length: r.int(3) }, (_, index) => [
      r.pick(["text", "n", `i${index}`, "constructor"]),
      { type: r.pick(["string", "number", "integer", "boolean", "object", "array", "bogus"]) },
    ]),
  );
  const template = r.pick([
    "{{ text }}",
    "{{#text}}{{.}}{{/text}}",
    "{{#a}}",
    "{{/b}}",
    "{{> partial}}",
    "{{ constructor }}",
    "{{{ text }}}",
    "{{#items}}{{#items}}{{/items}}{{/items}}",
  ]);
  const type = r.pick(["template", "template", "llm", "tool", "pipeline", "nope"]);
  const component: Record<string, unknown> = {
    type,
    template,
    prompt: r.pick(["t.text", "inputs.text", "x.y"]),
    model: r.pick(["default", "echo", "ghost"]),
    pipeline: r.pick(["fz", "greet", "self"]),
    server: "everything",
    tool: "echo",
    inputs: {},
  };
  if (r.next() < 0.3)
    return {
      kind: "agent",
      name: `fz${r.int(50)}`,
      model: r.pick(["default", "nope"]),
      instructions: template,
      tools: r.next() < 0.5 ? [] : [{ pipeline: "greet" }],
      max_steps: r.int(60),
    };
  return {
    name: `fz${r.int(50)}`,
    inputs,
    components: { t: component },
    outputs: { text: r.pick(["t.text", "t.nope", "inputs.text"]) },
    ...(r.next() < 0.3 ? { chat: { input: "text", output: "text" } } : {}),
  };
}
