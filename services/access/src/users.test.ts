import { randomBytes } from "node:crypto";
import { endpoints, hashSecret } from "@switchyard/contracts";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { layout } from "./layout.ts";
import { access, infra, rejection, startAccess, useAccessFile } from "./test-harness.ts";

/** The clock the service checks TOTP codes against, moved by the tests; codes are computed for it. */
let clock = Date.parse("2031-05-04T10:00:00.000Z");
const step = 30_000;

const secretKey = randomBytes(32).toString("hex");
const password = "correct horse battery staple";

useAccessFile({ SWITCHYARD_SECRET_KEY: secretKey }, { now: () => clock });

const totp = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
const codeAt = (secret: string, timestamp: number) => totp(secret).generate({ timestamp });

describe("setup", () => {
  it("creates the first user as admin once: of two concurrent setups one wins, one conflicts", async () => {
    const fresh = await startAccess(infra);
    try {
      expect(await fresh.call(endpoints.accessSetupStatus, {})).toEqual({ needsSetup: true });
      const outcomes = await Promise.allSettled([
        fresh.call(endpoints.accessSetup, { username: "alice", password, client: "127.0.0.1" }),
        fresh.call(endpoints.accessSetup, { username: "bob", password, client: "127.0.0.1" }, fresh.otherBus),
      ]);
      const won = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
      const lost = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ code: "conflict", message: "setup already completed" });
      const reply = won[0];
      expect(reply?.user).toMatchObject({ role: "admin", mfaEnabled: false });
      expect(reply?.mfaRequired).toBe(false);
      const principal = await fresh.call(endpoints.accessAuthenticate, { secretHash: hashSecret(reply?.token ?? ""), client: "127.0.0.1" });
      expect(principal).toMatchObject({ kind: "token", role: "admin", userId: reply?.user.id, keyId: reply?.tokenKeyId });
      expect(principal.validUntil).toBeDefined();
      expect(await fresh.call(endpoints.accessSetupStatus, {})).toEqual({ needsSetup: false });
      expect(await fresh.redis.hlen(layout.usernames)).toBe(1);
      expect(await fresh.call(endpoints.accessBootstrap, {})).toEqual({ created: false });
    } finally {
      await fresh.stop();
    }
  });
});

describe("login", () => {
  it("logs in with the right password; a wrong password and an unknown user get the same answer", async () => {
    const setup = await access.call(endpoints.accessSetup, { username: "Admin", password, client: "127.0.0.1" });
    const login = await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.1.1.1" });
    expect(login).toMatchObject({ user: { id: setup.user.id, username: "Admin" }, mfaRequired: false });
    expect(login.token).toMatch(/^sy-/);
    expect(await access.call(endpoints.accessAuthenticate, { secretHash: hashSecret(login.token ?? ""), client: "x" })).toMatchObject({
      userId: setup.user.id,
      kind: "token",
    });
    const stored = await access.redis.hget(layout.user(setup.user.id), "passwordHash");
    expect(stored).toMatch(/^\$argon2id\$/);
    const wrong = await rejection(
      access.call(endpoints.accessLogin, { username: "admin", password: "not the password", client: "10.1.1.2" }),
    );
    const unknown = await rejection(access.call(endpoints.accessLogin, { username: "nobody", password, client: "10.1.1.2" }));
    expect(wrong.toWire()).toEqual(unknown.toWire());
    expect(wrong).toMatchObject({ code: "unauthorized", message: "invalid credentials" });
    expect(await access.redis.zcard(layout.failures("10.1.1.2"))).toBe(2);
    expect(await access.call(endpoints.accessUserGet, { id: setup.user.id })).toEqual(setup.user);
  });

  it("keeps at most 10 live tokens per user, revoking the oldest", async () => {
    const user = await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.1.1.3" });
    const tokens = [user.token ?? ""];
    for (let index = 0; index < 10; index++) {
      tokens.push((await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.1.1.3" })).token ?? "");
    }
    expect(await access.redis.zcard(layout.userTokens(user.user.id))).toBe(10);
    expect(
      (await rejection(access.call(endpoints.accessAuthenticate, { secretHash: hashSecret(tokens[0] ?? ""), client: "y" }))).code,
    ).toBe("unauthorized");
    const newest = tokens[tokens.length - 1] ?? "";
    expect(await access.call(endpoints.accessAuthenticate, { secretHash: hashSecret(newest), client: "y" })).toMatchObject({
      kind: "token",
    });
  });
});

describe("MFA", () => {
  it("sets up, verifies, then needs password and code; refuses a replayed code and a code alone", async () => {
    const { user } = await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.2.0.1" });
    const setup = await access.call(endpoints.accessMfaSetup, { id: user.id });
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.otpauthUri).toContain("otpauth://totp/Switchyard:Admin?");
    expect(setup.otpauthUri).toContain("issuer=Switchyard");
    // Sealed at rest: the base32 secret is nowhere in the user's hash.
    expect(JSON.stringify(await access.redis.hgetall(layout.user(user.id)))).not.toContain(setup.secret);
    expect((await rejection(access.call(endpoints.accessMfaVerify, { id: user.id, code: "000000" }))).code).toBe("unauthorized");
    const verified = await access.call(endpoints.accessMfaVerify, { id: user.id, code: codeAt(setup.secret, clock) });
    expect(verified.mfaEnabled).toBe(true);
    expect((await rejection(access.call(endpoints.accessMfaSetup, { id: user.id }))).code).toBe("conflict");

    const first = await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.2.0.2" });
    expect(first).toMatchObject({ mfaRequired: true });
    expect(first.token).toBeUndefined();
    // The code of the step verify used is spent already.
    const spent = await rejection(
      access.call(endpoints.accessMfaLogin, { username: "admin", code: codeAt(setup.secret, clock), client: "10.2.0.2" }),
    );
    expect(spent).toMatchObject({ code: "unauthorized", message: "invalid MFA code" });
    clock += step;
    const code = codeAt(setup.secret, clock);
    // Without the password step from this address, a right code does not log in.
    const alone = await rejection(access.call(endpoints.accessMfaLogin, { username: "admin", code, client: "10.2.0.3" }));
    expect(alone).toMatchObject({ code: "unauthorized", message: "log in with the password first" });
    const done = await access.call(endpoints.accessMfaLogin, { username: "admin", code, client: "10.2.0.2" });
    expect(done.token).toMatch(/^sy-/);
    expect(await access.call(endpoints.accessAuthenticate, { secretHash: hashSecret(done.token ?? ""), client: "z" })).toMatchObject({
      userId: user.id,
    });
    // The pending mark is used up, and the code is spent.
    await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.2.0.2" });
    const replayed = await rejection(access.call(endpoints.accessMfaLogin, { username: "admin", code, client: "10.2.0.2" }));
    expect(replayed).toMatchObject({ code: "unauthorized", message: "invalid MFA code" });
    expect(await access.redis.zcard(layout.failures("10.2.0.2"))).toBe(2);

    // Five codes were tried this minute, the most a user gets; start a new minute.
    await access.redis.del(layout.mfaAttempts(user.id));
    clock += step;
    const off = await access.call(endpoints.accessMfaDisable, { id: user.id, code: codeAt(setup.secret, clock) });
    expect(off.mfaEnabled).toBe(false);
    expect((await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.2.0.4" })).token).toBeDefined();
  });

  it("allows 5 codes a minute per user", async () => {
    const { user } = await access.call(endpoints.accessLogin, { username: "admin", password, client: "10.3.0.1" });
    // A minute of its own, whatever the test before tried.
    await access.redis.del(layout.mfaAttempts(user.id));
    await access.call(endpoints.accessMfaSetup, { id: user.id });
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await rejection(access.call(endpoints.accessMfaVerify, { id: user.id, code: "000000" }))).code).toBe("unauthorized");
    }
    const busy = await rejection(access.call(endpoints.accessMfaVerify, { id: user.id, code: "000000" }));
    expect(busy.code).toBe("rate_limited");
    expect(busy.details?.retryAfter).toBeGreaterThan(0);
  });

  it("locks MFA for 15 minutes after 10 wrong codes in a row, even for a right code", async () => {
    const strict = await startAccess(
      infra,
      { SWITCHYARD_SECRET_KEY: secretKey },
      { now: () => clock, mfaRules: { attemptsPerWindow: 100, windowMs: 60_000, lockAfterFailures: 10, lockMs: 900_000 } },
    );
    try {
      const { user } = await strict.call(endpoints.accessSetup, { username: "carol", password, client: "127.0.0.1" });
      const { secret } = await strict.call(endpoints.accessMfaSetup, { id: user.id });
      for (let attempt = 0; attempt < 10; attempt++) {
        expect((await rejection(strict.call(endpoints.accessMfaVerify, { id: user.id, code: "000000" }))).code).toBe("unauthorized");
      }
      const locked = await rejection(strict.call(endpoints.accessMfaVerify, { id: user.id, code: codeAt(secret, clock) }));
      expect(locked.code).toBe("rate_limited");
      expect(locked.details?.retryAfter).toBeGreaterThan(800);
      expect(locked.details?.retryAfter).toBeLessThanOrEqual(900);
    } finally {
      await strict.stop();
    }
  });

  it("refuses MFA setup without SWITCHYARD_SECRET_KEY", async () => {
    const keyless = await startAccess(infra);
    try {
      const { user } = await keyless.call(endpoints.accessSetup, { username: "dave", password, client: "127.0.0.1" });
      const error = await rejection(keyless.call(endpoints.accessMfaSetup, { id: user.id }));
      expect(error.code).toBe("unavailable");
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("SWITCHYARD_SECRET_KEY");
    } finally {
      await keyless.stop();
    }
  });
});
