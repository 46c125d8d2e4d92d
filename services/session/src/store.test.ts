import { AppError } from "@switchyard/errors";
import type { Redis } from "@switchyard/redis";
import { gatedEval, type StoreFixture, startStoreFixture } from "@switchyard/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSessionStore, type SessionLimits } from "./store.ts";

const metaKey = (id: string) => `sy:session:${id}:meta`;
const messagesKey = (id: string) => `sy:session:${id}:messages`;
const agentKey = (agent: string) => `sy:session:agent:${agent}`;

const roomy: SessionLimits = { ttlSeconds: 3600, maxMessages: 1000, maxBytes: 1024 * 1024 };

let fixture: StoreFixture | undefined;

beforeAll(async () => {
  fixture = await startStoreFixture("session-store");
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

function store(limits: SessionLimits = roomy, client: Redis = redis()) {
  if (!fixture) throw new Error("redis is not started");
  return createSessionStore(client, fixture.tracer, limits);
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

const byteLength = (messages: string[]) => messages.reduce((sum, message) => sum + Buffer.byteLength(message, "utf8"), 0);

/** The bytes counter in the meta hash next to the real size of the stored messages. */
async function bytesOf(id: string): Promise<{ counter: number; stored: number; messages: string[] }> {
  const [counter, messages] = await Promise.all([redis().hget(metaKey(id), "bytes"), redis().lrange(messagesKey(id), 0, -1)]);
  return { counter: Number(counter), stored: byteLength(messages), messages };
}

/** Expires a key for real (a 1 ms TTL) and waits until Redis reports it gone. */
async function expireNow(key: string): Promise<void> {
  await redis().pexpire(key, 1);
  while ((await redis().exists(key)) === 1) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe("session store append", () => {
  it("appends at the end in order and reports the new length", async () => {
    const sessions = store();
    const { id } = await sessions.create("agent-a");
    expect(await sessions.append(id, ["one", "two"])).toEqual({ length: 2, trimmed: 0 });
    expect(await sessions.append(id, ["three"])).toEqual({ length: 3, trimmed: 0 });
    const { info, messages } = await sessions.get(id);
    expect(messages).toEqual(["one", "two", "three"]);
    expect(info).toMatchObject({ id, agent: "agent-a", messageCount: 3 });
    expect(await bytesOf(id)).toMatchObject({ counter: byteLength(messages) });
  });

  it("never interleaves or loses messages across 24 concurrent appends from several connections", async () => {
    const { id } = await store().create("agent-a");
    const appends = 24;
    const batch = 3;
    const results = await Promise.all(
      Array.from({ length: appends }, (_, writer) =>
        store(roomy, redis(writer)).append(
          id,
          Array.from({ length: batch }, (_, part) => `${writer}:${part}`),
        ),
      ),
    );
    // Each append saw the list exactly as the previous one left it.
    const lengths = results.map((result) => result.length).sort((left, right) => left - right);
    expect(lengths).toEqual(Array.from({ length: appends }, (_, index) => (index + 1) * batch));
    expect(results.every((result) => result.trimmed === 0)).toBe(true);

    const { messages } = await store().get(id);
    expect(messages).toHaveLength(appends * batch);
    const writers: number[] = [];
    for (let start = 0; start < messages.length; start += batch) {
      const group = messages.slice(start, start + batch).map((message) => message.split(":").map(Number));
      const writer = group[0]?.[0] ?? -1;
      expect(group).toEqual(Array.from({ length: batch }, (_, part) => [writer, part]));
      writers.push(writer);
    }
    expect([...writers].sort((left, right) => left - right)).toEqual(Array.from({ length: appends }, (_, index) => index));
    expect(await bytesOf(id)).toMatchObject({ counter: byteLength(messages) });
  });

  it("drops the oldest messages past maxMessages and reports how many it trimmed", async () => {
    const sessions = store({ ...roomy, maxMessages: 5 });
    const { id } = await sessions.create("agent-a");
    expect(await sessions.append(id, ["m0", "m1", "m2"])).toEqual({ length: 3, trimmed: 0 });
    expect(await sessions.append(id, ["m3", "m4", "m5", "m6"])).toEqual({ length: 5, trimmed: 2 });
    expect((await sessions.get(id)).messages).toEqual(["m2", "m3", "m4", "m5", "m6"]);
    const bytes = await bytesOf(id);
    expect(bytes.counter).toBe(bytes.stored);
  });

  it("drops the oldest messages past maxBytes and keeps the bytes counter equal to the stored bytes", async () => {
    const sessions = store({ ...roomy, maxBytes: 10 });
    const { id } = await sessions.create("agent-a");
    expect(await sessions.append(id, ["aaaa", "bbbb"])).toEqual({ length: 2, trimmed: 0 });
    expect(await sessions.append(id, ["cc"])).toEqual({ length: 3, trimmed: 0 });
    expect(await sessions.append(id, ["d"])).toEqual({ length: 3, trimmed: 1 });
    const bytes = await bytesOf(id);
    expect(bytes.messages).toEqual(["bbbb", "cc", "d"]);
    expect(bytes.counter).toBe(bytes.stored);
    expect(bytes.stored).toBeLessThanOrEqual(10);
  });

  it("counts UTF-8 bytes, not characters, and the counter matches the stored bytes after every trim", async () => {
    const maxBytes = 24;
    const sessions = store({ ...roomy, maxBytes, maxMessages: 4 });
    const { id } = await sessions.create("agent-a");
    const inputs = [["é", "€uro"], ["😀😀"], ["naïve", "日本語"], ["x"], ["💬 hi", "ok"], ["ü".repeat(6)]];
    let kept: string[] = [];
    for (const input of inputs) {
      const result = await sessions.append(id, input);
      // Model the documented rule: drop the oldest until both caps hold.
      const next = [...kept, ...input];
      let dropped = 0;
      while (next.length > 0 && (next.length > 4 || byteLength(next) > maxBytes)) {
        next.shift();
        dropped++;
      }
      kept = next;
      expect(result).toEqual({ length: kept.length, trimmed: dropped });
      const bytes = await bytesOf(id);
      expect(bytes.messages).toEqual(kept);
      expect(bytes.counter).toBe(bytes.stored);
    }
  });

  it("keeps the bytes counter exact when concurrent appends trim each other's messages", async () => {
    const limits = { ...roomy, maxMessages: 7, maxBytes: 60 };
    const { id } = await store(limits).create("agent-a");
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, writer) => store(limits, redis(writer)).append(id, [`w${writer}-${"#".repeat(writer % 5)}`, "é"])),
    );
    // Nothing is lost silently: every appended message is either stored or counted as trimmed.
    const trimmed = results.reduce((sum, result) => sum + result.trimmed, 0);
    const bytes = await bytesOf(id);
    expect(bytes.messages.length + trimmed).toBe(24 * 2);
    expect(bytes.counter).toBe(bytes.stored);
    expect(bytes.messages.length).toBeLessThanOrEqual(7);
    expect(bytes.stored).toBeLessThanOrEqual(60);
    // What is left is the tail of whole appends: each writer's message still followed by its own "é".
    const tail = bytes.messages[0] === "é" ? bytes.messages.slice(1) : bytes.messages;
    for (let index = 0; index < tail.length; index += 2) {
      expect(tail[index]).toMatch(/^w\d+-#*$/);
      expect(tail[index + 1]).toBe("é");
    }
  });

  it("drops a single message larger than maxBytes together with everything before it", async () => {
    const sessions = store({ ...roomy, maxBytes: 8 });
    const { id } = await sessions.create("agent-a");
    await sessions.append(id, ["abc"]);
    expect(await sessions.append(id, ["too long to keep"])).toEqual({ length: 0, trimmed: 2 });
    expect(await bytesOf(id)).toEqual({ counter: 0, stored: 0, messages: [] });
  });

  it("refreshes the TTL of the session, its messages and the agent index on every append", async () => {
    const sessions = store();
    const { id } = await sessions.create("agent-a");
    expect(await redis().ttl(metaKey(id))).toBeGreaterThan(0);
    expect(await redis().ttl(agentKey("agent-a"))).toBeGreaterThan(0);
    await sessions.append(id, ["first"]);
    expect(await redis().ttl(messagesKey(id))).toBeGreaterThan(0);

    const lowered = 5000;
    for (const key of [metaKey(id), messagesKey(id), agentKey("agent-a")]) await redis().pexpire(key, lowered);
    await sessions.append(id, ["second"]);
    for (const key of [metaKey(id), messagesKey(id), agentKey("agent-a")]) {
      const remaining = await redis().pttl(key);
      expect(remaining).toBeGreaterThan(lowered);
      expect(remaining).toBeLessThanOrEqual(roomy.ttlSeconds * 1000);
    }
  });

  it("rejects an append to a session that never existed with not_found and writes nothing", async () => {
    const error = await rejection(store().append("no-such-session", ["hello"]));
    expect(error.code).toBe("not_found");
    expect(await redis().exists(messagesKey("no-such-session"))).toBe(0);
    expect(await redis().dbsize()).toBe(0);
  });

  it("rejects an append to an expired session with not_found", async () => {
    const sessions = store();
    const { id } = await sessions.create("agent-a");
    await sessions.append(id, ["before"]);
    await expireNow(metaKey(id));
    await expireNow(messagesKey(id));
    expect((await rejection(sessions.append(id, ["after"]))).code).toBe("not_found");
    expect(await redis().exists(metaKey(id), messagesKey(id))).toBe(0);
    expect((await rejection(sessions.get(id))).code).toBe("not_found");
  });

  it("writes nothing when the session expires between the agent lookup and the script", async () => {
    const { id } = await store().create("agent-a");
    const gate = gatedEval(redis(1));
    const append = store(roomy, gate.client).append(id, ["late"]);
    await gate.atEval;
    await expireNow(metaKey(id));
    gate.release();
    expect((await rejection(append)).code).toBe("not_found");
    expect(await redis().exists(messagesKey(id), metaKey(id))).toBe(0);
  });
});

describe("session store get, list and remove", () => {
  it("treats a session of another agent as not found for get and remove", async () => {
    const sessions = store();
    const { id } = await sessions.create("agent-a");
    await sessions.append(id, ["secret"]);
    expect((await rejection(sessions.get(id, "agent-b"))).code).toBe("not_found");
    expect((await rejection(sessions.remove(id, "agent-b"))).code).toBe("not_found");
    expect((await sessions.get(id, "agent-a")).messages).toEqual(["secret"]);
  });

  it("list drops expired sessions and removes their ids from the agent index", async () => {
    const sessions = store();
    const created = [];
    for (let index = 0; index < 3; index++) created.push(await sessions.create("agent-a"));
    const other = await sessions.create("agent-b");
    const [gone, ...live] = created;
    if (!gone) throw new Error("no session was created");
    await expireNow(metaKey(gone.id));
    expect(await redis().zscore(agentKey("agent-a"), gone.id)).not.toBeNull();

    const listed = await sessions.list("agent-a", 10, 0);
    expect(listed.total).toBe(live.length);
    expect(listed.items.map((item) => item.id).sort()).toEqual(live.map((session) => session.id).sort());
    expect(await redis().zscore(agentKey("agent-a"), gone.id)).toBeNull();
    expect(await redis().zrange(agentKey("agent-a"), 0, -1)).toHaveLength(live.length);
    expect((await sessions.list("agent-b", 10, 0)).items).toEqual([other]);
  });

  it("list pages with offset and limit in index order, with total counting every live session", async () => {
    const sessions = store();
    for (let index = 0; index < 5; index++) await sessions.append((await sessions.create("agent-a")).id, [`m${index}`]);
    const order = await redis().zrange(agentKey("agent-a"), 0, -1);
    expect(order).toHaveLength(5);
    const all = await sessions.list("agent-a", 100, 0);
    expect(all.items.map((item) => item.id)).toEqual(order);
    expect(all.items.every((item) => item.messageCount === 1 && item.agent === "agent-a")).toBe(true);
    const page = await sessions.list("agent-a", 2, 1);
    expect(page.items.map((item) => item.id)).toEqual(order.slice(1, 3));
    expect(page.total).toBe(5);
    expect(await sessions.list("agent-a", 10, 5)).toEqual({ items: [], total: 5 });
  });

  it("remove deletes the session, its messages and its index entry", async () => {
    const sessions = store();
    const { id } = await sessions.create("agent-a");
    const kept = await sessions.create("agent-a");
    await sessions.append(id, ["hello"]);
    await sessions.remove(id, "agent-a");
    expect(await redis().exists(metaKey(id), messagesKey(id))).toBe(0);
    expect(await redis().zscore(agentKey("agent-a"), id)).toBeNull();
    expect((await rejection(sessions.get(id))).code).toBe("not_found");
    expect((await rejection(sessions.append(id, ["again"]))).code).toBe("not_found");
    expect((await sessions.list("agent-a", 10, 0)).items.map((item) => item.id)).toEqual([kept.id]);
    expect((await rejection(sessions.remove(id))).code).toBe("not_found");
  });
});

describe("session store create with an id", () => {
  it("makes the session once, opens it after, and keeps it from another agent", async () => {
    const sessions = store();
    const id = `c${"7".repeat(40)}`;
    const made = await Promise.all(Array.from({ length: 8 }, () => sessions.create("keeper", id)));
    expect(new Set(made.map((session) => session.id))).toEqual(new Set([id]));
    await sessions.append(id, ['{"role":"user","content":"hi"}']);
    expect((await sessions.create("keeper", id)).messageCount).toBe(1);
    expect((await rejection(sessions.create("someone-else", id))).code).toBe("not_found");
  });
});
