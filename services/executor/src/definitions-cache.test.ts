import type { DefinitionChanged, DefinitionKind, JsonObject } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { RegistryDefinition, RegistryGrpcClient } from "@switchyard/grpc";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type CachedDefinition, createDefinitionCache, type DefinitionCacheOptions } from "./definitions-cache.ts";

const modelAliases = ["default", "echo"];
const deadlineMs = 1234;

const pipelineDocument = (name: string, template = "{{ text }}"): JsonObject => ({
  name,
  inputs: { text: { type: "string" } },
  components: { t: { type: "template", template } },
  outputs: { text: "t.text" },
});
const agentDocument = (name: string, model = "default"): JsonObject => ({ kind: "agent", name, model, instructions: "hi", tools: [] });

interface PendingCall {
  name: string;
  deadlineMs: number;
  reply(definition: RegistryDefinition): void;
  fail(error: unknown): void;
}

/** A registry whose answers the test gives by hand, one call at a time. */
function scriptedRegistry() {
  const calls: PendingCall[] = [];
  const registry: RegistryGrpcClient = {
    getDefinition(name, options) {
      return new Promise<RegistryDefinition>((resolve, reject) => {
        calls.push({ name, deadlineMs: options.deadlineMs, reply: resolve, fail: reject });
      });
    },
    listDefinitions: async () => {
      throw new Error("the cache does not list");
    },
    close() {},
  };
  const call = (index: number): PendingCall => {
    const pending = calls[index];
    if (!pending) throw new Error(`the registry was called ${calls.length} times, not ${index + 1}`);
    return pending;
  };
  return { registry, calls, call };
}

function record(name: string, version: number, definition = pipelineDocument(name), kind: DefinitionKind = "pipeline"): RegistryDefinition {
  return { name, kind, version, description: "", definition, deployedAt: new Date(0).toISOString() };
}

const changed = (name: string, version: number): DefinitionChanged => ({ name, kind: "pipeline", version, action: "deployed" });

function cacheWith(options: Partial<DefinitionCacheOptions> = {}) {
  const scripted = scriptedRegistry();
  const cache = createDefinitionCache({ registry: scripted.registry, modelAliases, ttlMs: 60_000, deadlineMs, ...options });
  return { ...scripted, cache };
}

/** Lets the cache's own handlers on a settled fetch run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

const versionOf = (entry: CachedDefinition) => entry.version;

afterEach(() => {
  vi.useRealTimers();
});

describe("createDefinitionCache", () => {
  it("shares one fetch between concurrent gets of a name, with the configured deadline", async () => {
    const { cache, calls, call } = cacheWith();
    const first = cache.get("p");
    const second = cache.get("p");
    expect(calls).toHaveLength(1);
    expect(call(0)).toMatchObject({ name: "p", deadlineMs });
    call(0).reply(record("p", 1));
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(a.version).toBe(1);
    await expect(cache.get("p")).resolves.toBe(a);
    expect(calls).toHaveLength(1);
  });

  it("returns a fetch in flight during invalidate() to its callers but does not cache it", async () => {
    const { cache, calls, call } = cacheWith();
    const stale = cache.get("p");
    cache.invalidate(changed("p", 2));
    // A get after the change must not join the fetch that started before it.
    const fresh = cache.get("p");
    expect(calls).toHaveLength(2);
    call(0).reply(record("p", 1));
    await expect(stale.then(versionOf)).resolves.toBe(1);
    await turn();
    call(1).reply(record("p", 2));
    await expect(fresh.then(versionOf)).resolves.toBe(2);
    await expect(cache.get("p").then(versionOf)).resolves.toBe(2);
    expect(calls).toHaveLength(2);
  });

  it("does not cache a fetch that finishes after invalidate() when no one asked again meanwhile", async () => {
    const { cache, calls, call } = cacheWith();
    const stale = cache.get("p");
    cache.invalidate(changed("p", 2));
    call(0).reply(record("p", 1));
    await expect(stale.then(versionOf)).resolves.toBe(1);
    await turn();
    const next = cache.get("p");
    expect(calls).toHaveLength(2);
    call(1).reply(record("p", 2));
    await expect(next.then(versionOf)).resolves.toBe(2);
  });

  it("clear() drops what is cached and does not cache a fetch in flight during it", async () => {
    const { cache, calls, call } = cacheWith();
    const cached = cache.get("q");
    call(0).reply(record("q", 1));
    await cached;
    await turn();
    const stale = cache.get("p");
    cache.clear();
    call(1).reply(record("p", 1));
    await expect(stale.then(versionOf)).resolves.toBe(1);
    await turn();
    const next = cache.get("p");
    void cache.get("q");
    expect(calls.map((pending) => pending.name)).toEqual(["q", "p", "p", "q"]);
    call(2).reply(record("p", 2));
    await expect(next.then(versionOf)).resolves.toBe(2);
    await expect(cache.get("p").then(versionOf)).resolves.toBe(2);
    expect(calls).toHaveLength(4);
  });

  it("does not cache a failed fetch, nor a definition that fails to parse", async () => {
    const { cache, calls, call } = cacheWith();
    const failure = new AppError("unavailable", "registry down");
    const first = cache.get("p");
    call(0).fail(failure);
    await expect(first).rejects.toBe(failure);
    await turn();
    const second = cache.get("p");
    expect(calls).toHaveLength(2);
    call(1).reply(record("p", 1, agentDocument("p", "no-such-model"), "agent"));
    await expect(second).rejects.toMatchObject({ code: "invalid_definition" });
    await turn();
    const third = cache.get("p");
    expect(calls).toHaveLength(3);
    call(2).reply(record("p", 2));
    await expect(third.then(versionOf)).resolves.toBe(2);
  });

  it("fetches again after invalidate() of that name, and only of that name", async () => {
    const { cache, calls, call } = cacheWith();
    const p = cache.get("p");
    const q = cache.get("q");
    call(0).reply(record("p", 1));
    call(1).reply(record("q", 1));
    await Promise.all([p, q]);
    await turn();
    await cache.get("p");
    expect(calls).toHaveLength(2);
    cache.invalidate(changed("p", 2));
    const again = cache.get("p");
    expect(calls.map((pending) => pending.name)).toEqual(["p", "q", "p"]);
    call(2).reply(record("p", 2));
    await expect(again.then(versionOf)).resolves.toBe(2);
    await expect(cache.get("q")).resolves.toBe(await q);
    expect(calls).toHaveLength(3);
  });

  it("fetches again once the TTL has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = new Date("2030-01-01T00:00:00Z").getTime();
    vi.setSystemTime(start);
    const ttlMs = 1000;
    const { cache, calls, call } = cacheWith({ ttlMs });
    const first = cache.get("p");
    call(0).reply(record("p", 1));
    await first;
    await turn();
    vi.setSystemTime(start + ttlMs - 1);
    await expect(cache.get("p")).resolves.toBe(await first);
    expect(calls).toHaveLength(1);
    vi.setSystemTime(start + ttlMs + 1);
    const refreshed = cache.get("p");
    expect(calls).toHaveLength(2);
    call(1).reply(record("p", 2));
    await expect(refreshed.then(versionOf)).resolves.toBe(2);
  });

  it("drops the oldest entry past maxEntries", async () => {
    const { cache, calls, call } = cacheWith({ maxEntries: 2 });
    for (const [index, name] of ["a", "b", "c"].entries()) {
      const pending = cache.get(name);
      call(index).reply(record(name, 1));
      await pending;
    }
    await turn();
    await cache.get("b");
    await cache.get("c");
    expect(calls).toHaveLength(3);
    const again = cache.get("a");
    expect(calls.map((pending) => pending.name)).toEqual(["a", "b", "c", "a"]);
    call(3).reply(record("a", 1));
    await again;
    await turn();
    // "a" came back as the newest; "b" is now the oldest and went.
    await cache.get("c");
    expect(calls).toHaveLength(4);
    void cache.get("b");
    expect(calls.map((pending) => pending.name)).toEqual(["a", "b", "c", "a", "b"]);
  });

  it("parses and analyses a pipeline and an agent from the registry's documents", async () => {
    const { cache, call } = cacheWith();
    const pipeline = cache.get("summarize");
    const agent = cache.get("helper");
    call(0).reply(record("summarize", 3));
    call(1).reply(record("helper", 7, agentDocument("helper"), "agent"));
    const parsedPipeline = await pipeline;
    expect(parsedPipeline).toMatchObject({ kind: "pipeline", name: "summarize", version: 3 });
    if (parsedPipeline.kind !== "pipeline") return;
    expect(parsedPipeline.definition.components).toEqual({ t: { type: "template", template: "{{ text }}" } });
    expect(parsedPipeline.graph.order).toEqual(["t"]);
    const parsedAgent = await agent;
    expect(parsedAgent).toMatchObject({ kind: "agent", name: "helper", version: 7 });
    if (parsedAgent.kind !== "agent") return;
    expect(parsedAgent.definition).toMatchObject({ model: "default", instructions: "hi", tools: [], max_steps: 6 });
  });

  it("rejects a pipeline whose template refers to something it does not have", async () => {
    const { cache, call } = cacheWith();
    const pending = cache.get("broken");
    call(0).reply(record("broken", 1, pipelineDocument("broken", "{{ missing }}")));
    await expect(pending).rejects.toMatchObject({ code: "invalid_definition" });
  });
});
