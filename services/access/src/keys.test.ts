import { endpoints, hashSecret, KeyChanged } from "@switchyard/contracts";
import { decodeJson } from "@switchyard/nats";
import { describe, expect, it } from "vitest";
import { layout } from "./layout.ts";
import { access, infra, rejection, startAccess, type TestAccess, useAccessFile } from "./test-harness.ts";

useAccessFile();

const authenticate = (secret: string, client = "10.0.0.1") =>
  access.call(endpoints.accessAuthenticate, { secretHash: hashSecret(secret), client });

/** Records KeyChanged events and, in the same list, whatever the test notes, so their order can be checked. */
async function recordEvents(target: TestAccess) {
  const log: (KeyChanged | string)[] = [];
  const subscription = target.bus.nats.subscribe(target.bus.subjects.event("accessKeyChanged"), {
    callback: (_error, message) => {
      log.push(decodeJson(KeyChanged, message.data));
    },
  });
  await target.bus.nats.flush();
  return { log, note: (text: string) => log.push(text), stop: () => subscription.unsubscribe() };
}

describe("API keys", () => {
  it("creates a key whose secret authenticates, and stores only its hash", async () => {
    const { key, secret } = await access.call(endpoints.accessKeyCreate, {
      name: "ci",
      role: "invoke",
      limits: { requestsPerMinute: 5 },
      scopes: { definitions: ["chat-*"] },
    });
    expect(secret).toMatch(/^sy-[A-Za-z0-9]{32}$/);
    expect(key).toMatchObject({ name: "ci", role: "invoke", kind: "key", disabled: false, prefix: secret.slice(0, 11) });
    expect(key.id).toMatch(/^key_[A-Za-z0-9]{16}$/);
    const principal = await authenticate(secret);
    expect(principal).toEqual({
      keyId: key.id,
      name: "ci",
      role: "invoke",
      scopes: { definitions: ["chat-*"] },
      limits: { requestsPerMinute: 5 },
      kind: "key",
    });
    expect(await access.redis.hget(layout.secrets, hashSecret(secret))).toBe(key.id);
    expect(Object.values(await access.redis.hgetall(layout.key(key.id)))).not.toContain(secret);
    // Authentication notes when the key was last used.
    expect((await access.call(endpoints.accessKeyGet, { id: key.id })).lastUsedAt).toBeDefined();
  });

  it("revokes: the KeyChanged event arrives before the reply, and the secret stops working", async () => {
    const { key, secret } = await access.call(endpoints.accessKeyCreate, { name: "to-revoke", role: "read" });
    await authenticate(secret);
    const events = await recordEvents(access);
    await access.call(endpoints.accessKeyDelete, { id: key.id });
    events.note("reply");
    events.stop();
    expect(events.log).toEqual([{ keyId: key.id, secretHashes: [hashSecret(secret)] }, "reply"]);
    const error = await rejection(authenticate(secret));
    expect(error).toMatchObject({ code: "unauthorized", message: "invalid API key" });
    expect((await rejection(access.call(endpoints.accessKeyGet, { id: key.id }))).code).toBe("not_found");
    expect(await access.redis.hexists(layout.secrets, hashSecret(secret))).toBe(0);
    expect(await access.redis.zscore(layout.keys, key.id)).toBeNull();
  });

  it("disables and enables a key, announcing each change", async () => {
    const { key, secret } = await access.call(endpoints.accessKeyCreate, { name: "toggle", role: "developer" });
    const events = await recordEvents(access);
    const disabled = await access.call(endpoints.accessKeyUpdate, {
      id: key.id,
      disabled: true,
      name: "toggled",
      limits: { concurrentRuns: 2 },
    });
    events.note("reply");
    expect(disabled).toMatchObject({ disabled: true, name: "toggled", limits: { concurrentRuns: 2 } });
    expect(await rejection(authenticate(secret))).toMatchObject({ code: "unauthorized", message: "API key is disabled" });
    await access.call(endpoints.accessKeyUpdate, { id: key.id, disabled: false });
    events.stop();
    expect(events.log[0]).toEqual({ keyId: key.id, secretHashes: [hashSecret(secret)] });
    expect(events.log[1]).toBe("reply");
    expect(await authenticate(secret)).toMatchObject({ name: "toggled", limits: { concurrentRuns: 2 } });
  });

  it("refuses an expired key and reports validUntil for one that will expire", async () => {
    const past = await access.call(endpoints.accessKeyCreate, { name: "old", role: "read", expiresAt: "2000-01-01T00:00:00.000Z" });
    expect(await rejection(authenticate(past.secret))).toMatchObject({ code: "unauthorized", message: "API key has expired" });
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const future = await access.call(endpoints.accessKeyCreate, { name: "new", role: "read", expiresAt });
    expect((await authenticate(future.secret)).validUntil).toBe(expiresAt);
  });

  it("rotates with a grace period: the old secret works until it ends, then never", async () => {
    const { key, secret: first } = await access.call(endpoints.accessKeyCreate, { name: "rotating", role: "invoke" });
    const events = await recordEvents(access);
    const rotated = await access.call(endpoints.accessKeyRotate, { id: key.id, graceSeconds: 1 });
    events.note("reply");
    events.stop();
    expect(events.log).toEqual([{ keyId: key.id, secretHashes: [hashSecret(rotated.secret), hashSecret(first)] }, "reply"]);
    expect(rotated.secret).not.toBe(first);
    expect(rotated.key.prefix).toBe(rotated.secret.slice(0, 11));
    const validUntil = rotated.key.previousSecretValidUntil;
    expect(validUntil).toBeDefined();
    expect(await authenticate(rotated.secret)).toMatchObject({ keyId: key.id });
    const old = await authenticate(first);
    expect(old).toMatchObject({ keyId: key.id, validUntil });
    await expect.poll(async () => (await rejection(authenticate(first))).message, { timeout: 5000, interval: 100 }).toBe("invalid API key");
    expect(await access.redis.hexists(layout.secrets, hashSecret(first))).toBe(0);
    expect(await authenticate(rotated.secret)).toMatchObject({ keyId: key.id });
    expect((await authenticate(rotated.secret)).validUntil).toBeUndefined();
  });

  it("rotates with no grace: the old secret stops at once; a second rotation ends an earlier grace", async () => {
    const { key, secret: first } = await access.call(endpoints.accessKeyCreate, { name: "rotating-twice", role: "invoke" });
    const second = await access.call(endpoints.accessKeyRotate, { id: key.id, graceSeconds: 600 });
    const third = await access.call(endpoints.accessKeyRotate, { id: key.id, graceSeconds: 0 });
    expect((await rejection(authenticate(first))).code).toBe("unauthorized");
    expect((await rejection(authenticate(second.secret))).code).toBe("unauthorized");
    expect(await authenticate(third.secret)).toMatchObject({ keyId: key.id });
    expect(third.key.previousSecretValidUntil).toBeUndefined();
  });

  it("lists newest first with offset, limit and total", async () => {
    const fresh = await startAccess(infra, { ACCESS_MAX_KEYS: "3" });
    try {
      const ids = [];
      for (const name of ["a", "b", "c"]) {
        ids.push((await fresh.call(endpoints.accessKeyCreate, { name, role: "read" })).key.id);
        // Creation times are milliseconds: keep them apart so the order is the creation order.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const page = await fresh.call(endpoints.accessKeyList, { limit: 2, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.items.map((item) => item.name)).toEqual(["b", "a"]);
      expect((await fresh.call(endpoints.accessKeyList, {})).items.map((item) => item.id)).toEqual([...ids].reverse());
      const full = await rejection(fresh.call(endpoints.accessKeyCreate, { name: "d", role: "read" }));
      expect(full.code).toBe("conflict");
      expect((await fresh.call(endpoints.accessKeyList, {})).total).toBe(3);
    } finally {
      await fresh.stop();
    }
  });

  it("answers ping with its name, instance and the state of its store", async () => {
    expect(await access.call(endpoints.accessPing, {})).toEqual({
      service: "access",
      instance: expect.stringMatching(/^access-test-/),
      checks: { redis: "ok" },
    });
  });

  it("answers not_found for keys that do not exist", async () => {
    const id = "key_0000000000000000";
    for (const attempt of [
      access.call(endpoints.accessKeyGet, { id }),
      access.call(endpoints.accessKeyUpdate, { id, disabled: true }),
      access.call(endpoints.accessKeyRotate, { id }),
      access.call(endpoints.accessKeyDelete, { id }),
    ]) {
      expect((await rejection(attempt)).code).toBe("not_found");
    }
    expect(await access.redis.exists(layout.key(id))).toBe(0);
  });
});

describe("bootstrap and the seeded admin key", () => {
  it("creates one admin key for two concurrent bootstraps, and none after", async () => {
    const fresh = await startAccess(infra);
    try {
      const replies = await Promise.all([
        fresh.call(endpoints.accessBootstrap, {}),
        fresh.call(endpoints.accessBootstrap, {}, fresh.otherBus),
      ]);
      const created = replies.filter((reply) => reply.created);
      expect(created).toHaveLength(1);
      const secret = created[0]?.secret ?? "";
      expect(await fresh.call(endpoints.accessAuthenticate, { secretHash: hashSecret(secret), client: "x" })).toMatchObject({
        role: "admin",
        name: "admin",
      });
      expect(await fresh.call(endpoints.accessBootstrap, {})).toEqual({ created: false });
      // With the only admin key disabled there is no admin again.
      await fresh.call(endpoints.accessKeyUpdate, { id: created[0]?.keyId ?? "", disabled: true });
      expect((await fresh.call(endpoints.accessBootstrap, {})).created).toBe(true);
    } finally {
      await fresh.stop();
    }
  });

  it("seeds SWITCHYARD_ADMIN_KEY as the admin key 'bootstrap' once, however often the service starts", async () => {
    const adminKey = "sy-seeded-admin-key-for-the-access-tests-0123";
    const first = await startAccess(infra, { SWITCHYARD_ADMIN_KEY: adminKey });
    await first.stop();
    const again = await startAccess(infra, { SWITCHYARD_ADMIN_KEY: adminKey }, { database: first.database });
    try {
      expect((await again.call(endpoints.accessKeyList, {})).items.map((key) => key.name)).toEqual(["bootstrap"]);
      const principal = await again.call(endpoints.accessAuthenticate, { secretHash: hashSecret(adminKey), client: "x" });
      expect(principal).toMatchObject({ name: "bootstrap", role: "admin", kind: "key" });
      expect(await again.call(endpoints.accessBootstrap, {})).toEqual({ created: false });
    } finally {
      await again.stop();
    }
  });
});
