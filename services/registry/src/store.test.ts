import { DefinitionRecord } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Redis } from "@switchyard/redis";
import { gatedEval, type StoreFixture, startStoreFixture } from "@switchyard/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDefinitionStore, type NewRecord } from "./store.ts";

const versionsKey = "sy:registry:versions";
const definitionsKey = "sy:registry:definitions";
const historyKey = (name: string) => `sy:registry:history:${name}`;

let fixture: StoreFixture | undefined;

beforeAll(async () => {
  fixture = await startStoreFixture("registry-store");
});

afterAll(async () => {
  await fixture?.stop();
});

beforeEach(async () => {
  await redis().flushall();
});

/** Connection `index` of several, so concurrent scripts really interleave on the server. */
function redis(index = 0): Redis {
  if (!fixture) throw new Error("redis is not started");
  return fixture.redis(index);
}

function store(maxDefinitions = 100, client: Redis = redis()) {
  if (!fixture) throw new Error("redis is not started");
  return createDefinitionStore(client, fixture.tracer, maxDefinitions);
}

function record(name: string, source = `source of ${name}`): NewRecord {
  return {
    name,
    kind: "pipeline",
    description: `about ${name}`,
    chat: false,
    skipMcp: false,
    inputSchema: { type: "object", properties: {} },
    definition: { name, components: {} },
    source,
  };
}

async function history(name: string): Promise<DefinitionRecord[]> {
  const entries = await redis().lrange(historyKey(name), 0, -1);
  return entries.map((entry) => DefinitionRecord.parse(JSON.parse(entry)));
}

/** The AppError a promise rejects with; fails the test when it resolves or throws anything else. */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => new Error("expected a rejection, but the promise resolved"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof AppError)) throw outcome;
  return outcome;
}

function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
}

function rejected<T>(results: PromiseSettledResult<T>[]): unknown[] {
  return results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
}

describe("definition store put", () => {
  it("stores a new name at version 1 and get returns the same record", async () => {
    const definitions = store();
    const stored = await definitions.put(record("alpha"), false);
    expect(stored.version).toBe(1);
    expect(stored.source).toBe("source of alpha");
    expect(await definitions.get("alpha")).toEqual(stored);
    expect(await definitions.get("missing")).toBeNull();
  });

  it("refuses an existing name without overwrite and leaves the stored record and history untouched", async () => {
    const definitions = store();
    const first = await definitions.put(record("alpha", "first"), false);
    const error = await rejection(definitions.put(record("alpha", "second"), false));
    expect(error.code).toBe("conflict");
    expect(error.param).toBe("name");
    expect(error.message).toMatch(/already deployed/);
    expect(await definitions.get("alpha")).toEqual(first);
    expect(await redis().exists(historyKey("alpha"))).toBe(0);
  });

  it("overwrite stores a higher version and pushes the replaced record to the history list", async () => {
    const definitions = store();
    const first = await definitions.put(record("alpha", "first"), false);
    const second = await definitions.put(record("alpha", "second"), true);
    expect(second.version).toBeGreaterThan(first.version);
    expect(await definitions.get("alpha")).toEqual(second);
    expect(await history("alpha")).toEqual([first]);
  });

  it("keeps only the 20 most recently replaced records in history, newest first", async () => {
    const definitions = store();
    const puts: DefinitionRecord[] = [];
    for (let index = 0; index < 25; index++) puts.push(await definitions.put(record("alpha", `source ${index}`), index > 0));
    const latest = puts[puts.length - 1];
    expect(await definitions.get("alpha")).toEqual(latest);
    const replaced = puts.slice(0, -1).reverse().slice(0, 20);
    expect(await history("alpha")).toEqual(replaced);
    expect(await redis().llen(historyKey("alpha"))).toBe(20);
  });

  it("never lets an older version replace a newer one: the late writer gets a stale conflict", async () => {
    const first = await store().put(record("alpha", "first"), false);
    const gate = gatedEval(redis(1));
    // The slow put takes its version number, then waits before its script runs.
    const slow = store(100, gate.client).put(record("alpha", "slow"), true);
    await gate.atEval;
    const fast = await store(100, redis(2)).put(record("alpha", "fast"), true);
    gate.release();
    const error = await rejection(slow);
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/newer version/);
    const stored = await store().get("alpha");
    expect(stored).toEqual(fast);
    expect(stored?.version).toBe(Number(await redis().hget(versionsKey, "alpha")));
    expect(await history("alpha")).toEqual([first]);
  });

  it("refuses a new name once the registry holds maxDefinitions, but still overwrites an existing one", async () => {
    const definitions = store(3);
    const a = await definitions.put(record("a"), false);
    for (const name of ["b", "c"]) await definitions.put(record(name), false);
    const full = await rejection(definitions.put(record("d"), false));
    expect(full.code).toBe("conflict");
    expect(full.message).toMatch(/limit of 3/);
    expect(await definitions.get("d")).toBeNull();
    expect(await redis().hlen(definitionsKey)).toBe(3);

    const exists = await rejection(definitions.put(record("a", "again"), false));
    expect(exists.message).toMatch(/already deployed/);
    const replaced = await definitions.put(record("a", "replaced"), true);
    expect((await definitions.get("a"))?.source).toBe("replaced");
    expect(replaced.version).toBeGreaterThan(a.version);
    expect(await history("a")).toEqual([a]);

    await definitions.remove("b");
    const d = await definitions.put(record("d"), false);
    expect(await definitions.get("d")).toEqual(d);
  });
});

describe("definition store remove", () => {
  it("returns the removed record, pushes it to history, and get then returns null", async () => {
    const definitions = store();
    const first = await definitions.put(record("alpha", "first"), false);
    const second = await definitions.put(record("alpha", "second"), true);
    expect(await definitions.remove("alpha")).toEqual(second);
    expect(await definitions.get("alpha")).toBeNull();
    expect(await history("alpha")).toEqual([second, first]);
    expect(await definitions.remove("alpha")).toBeNull();
    expect(await history("alpha")).toHaveLength(2);
  });

  it("returns null for a name never deployed and creates no history", async () => {
    expect(await store().remove("ghost")).toBeNull();
    expect(await redis().exists(historyKey("ghost"))).toBe(0);
  });

  it("never reuses a version number after remove", async () => {
    const definitions = store();
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      seen.push((await definitions.put(record("alpha", `round ${round}`), false)).version);
      seen.push((await definitions.put(record("alpha", `round ${round} again`), true)).version);
      await definitions.remove("alpha");
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((left, right) => left - right));
    const redeployed = await definitions.put(record("alpha", "last"), false);
    expect(redeployed.version).toBeGreaterThan(Math.max(...seen));
  });

  it("caps history at 20 when removals and overwrites mix", async () => {
    const definitions = store();
    for (let round = 0; round < 12; round++) {
      await definitions.put(record("alpha", `round ${round}`), false);
      await definitions.put(record("alpha", `round ${round} again`), true);
      await definitions.remove("alpha");
    }
    const kept = await history("alpha");
    expect(kept).toHaveLength(20);
    const versions = kept.map((entry) => entry.version);
    expect(versions).toEqual([...versions].sort((left, right) => right - left));
    expect(versions[0]).toBe(Number(await redis().hget(versionsKey, "alpha")));
  });
});

describe("definition store list", () => {
  it("sorts by name and pages with offset and limit, with total counting every definition", async () => {
    const definitions = store();
    const names = ["delta", "alpha", "echo", "charlie", "bravo", "Zulu", "0-first"];
    for (const name of names) await definitions.put(record(name), false);
    const sorted = [...names].sort();
    const everything = await definitions.list(100, 0);
    expect(everything.items.map((item) => item.name)).toEqual(sorted);
    expect(everything.total).toBe(names.length);
    for (const [limit, offset] of [
      [2, 0],
      [2, 1],
      [3, 5],
      [10, 6],
      [10, 7],
      [10, 50],
    ] as const) {
      const page = await definitions.list(limit, offset);
      expect(page.items.map((item) => item.name)).toEqual(sorted.slice(offset, offset + limit));
      expect(page.total).toBe(names.length);
    }
    const alpha = everything.items.find((item) => item.name === "alpha");
    expect(alpha).toEqual(await definitions.get("alpha"));
  });

  it("is empty with total 0 when nothing is deployed", async () => {
    expect(await store().list(10, 0)).toEqual({ items: [], total: 0 });
  });
});

describe("definition store under concurrency", () => {
  it("lets exactly one of 20 concurrent non-overwrite puts of one name succeed; the rest conflict", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) => store(100, redis(index)).put(record("alpha", `writer ${index}`), false)),
    );
    const winners = fulfilled(results);
    expect(winners).toHaveLength(1);
    const losers = rejected(results);
    expect(losers).toHaveLength(19);
    for (const loser of losers) {
      expect(loser).toBeInstanceOf(AppError);
      expect(loser).toMatchObject({ code: "conflict", param: "name" });
    }
    expect(await store().get("alpha")).toEqual(winners[0]);
    expect(await redis().exists(historyKey("alpha"))).toBe(0);
  });

  it("leaves the highest version stored after 20 concurrent overwrites, with a strictly older history", async () => {
    const first = await store().put(record("alpha", "first"), false);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) => store(100, redis(index)).put(record("alpha", `writer ${index}`), true)),
    );
    const winners = fulfilled(results);
    for (const loser of rejected(results)) {
      expect(loser).toBeInstanceOf(AppError);
      expect(loser).toMatchObject({ code: "conflict" });
      expect(loser instanceof Error ? loser.message : "").toMatch(/newer version/);
    }
    const highest = Number(await redis().hget(versionsKey, "alpha"));
    expect(highest).toBe(first.version + 20);
    const stored = await store().get("alpha");
    expect(stored?.version).toBe(highest);
    expect(winners.find((winner) => winner.version === highest)).toEqual(stored);

    // Every successful overwrite pushed exactly the record it replaced, each older than the one after it.
    const kept = await history("alpha");
    expect(kept).toHaveLength(winners.length);
    const chain = [stored?.version ?? 0, ...kept.map((entry) => entry.version)];
    for (let index = 1; index < chain.length; index++) expect(chain[index]).toBeLessThan(chain[index - 1] ?? 0);
    expect(kept[kept.length - 1]).toEqual(first);
    const written = new Set([first.version, ...winners.map((winner) => winner.version)]);
    expect(new Set(chain)).toEqual(written);
  });

  it("never holds more than maxDefinitions when 20 distinct names are put concurrently", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) => store(5, redis(index)).put(record(`name-${index}`), false)),
    );
    const winners = fulfilled(results);
    expect(winners).toHaveLength(5);
    const losers = rejected(results);
    expect(losers).toHaveLength(15);
    for (const loser of losers) {
      expect(loser).toBeInstanceOf(AppError);
      expect(loser instanceof Error ? loser.message : "").toMatch(/limit of 5/);
    }
    const listed = await store(5).list(100, 0);
    expect(listed.total).toBe(5);
    expect(listed.items.map((item) => item.name)).toEqual(winners.map((winner) => winner.name).sort());
  });
});
