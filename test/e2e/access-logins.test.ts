import { createRedis } from "@switchyard/redis";
import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "./helpers.ts";

let system: TestSystem;
const canaries = {
  password: "canary-password-7f3a91",
  credential: "sk-canary-credential-5be0c2d9a1",
  badKey: "sy-canaryBADKEY00000000000000000000",
  authorization: "Bearer canary-authorization-header-e41c",
};

beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.stop();
});

const open = { auth: false } as const;
const bearer = (token: string) => ({ auth: false, headers: { authorization: `Bearer ${token}` } });

/** Every line every service printed so far. */
function allLogs(): string {
  const services = [system.access, system.registry, ...system.executors, ...system.gateways];
  return services.flatMap((service) => service?.recentLines() ?? []).join("\n");
}

describe("Pipelit's logins", () => {
  let token = "";
  const totp = (secret: string) => new TOTP({ issuer: "Switchyard", label: "ada", secret: Secret.fromBase32(secret) });

  it("sets up the first user while none exists, then refuses setup", async () => {
    expect((await requestJson(`${system.url()}/api/v1/auth/setup-status/`, open)).body).toEqual({ needs_setup: true });
    const setup = await requestJson(`${system.url()}/api/v1/auth/setup/`, {
      ...open,
      body: { username: "ada", password: canaries.password },
    });
    expect(setup.status).toBe(200);
    expect(setup.body).toMatchObject({ key: expect.any(String), requires_mfa: false });
    expect((await requestJson(`${system.url()}/api/v1/auth/setup-status/`, open)).body).toEqual({ needs_setup: false });
    const again = await requestJson(`${system.url()}/api/v1/auth/setup/`, {
      ...open,
      body: { username: "eve", password: "another-password" },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ detail: expect.any(String), status_code: 409 });
  });

  it("logs in with username and password; the token is a Bearer key for the user's role", async () => {
    const wrong = await requestJson(`${system.url()}/api/v1/auth/token/`, {
      ...open,
      body: { username: "ada", password: "wrong-password" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ detail: expect.any(String) });
    const login = await requestJson(`${system.url()}/api/v1/auth/token/`, {
      ...open,
      body: { username: "ada", password: canaries.password },
    });
    expect(login.status).toBe(200);
    token = (login.body as { key: string }).key;
    expect((await requestJson(`${system.url()}/api/v1/auth/me/`, bearer(token))).body).toMatchObject({
      username: "ada",
      mfa_enabled: false,
    });
    expect((await requestJson(`${system.url()}/v1/me`, bearer(token))).body).toMatchObject({ role: "admin", kind: "token" });
  });

  it("turns TOTP on, then asks for a code as the second login step; a code alone never logs in", async () => {
    const setup = await requestJson(`${system.url()}/api/v1/auth/mfa/setup/`, { ...bearer(token), method: "POST", body: {} });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    const { secret, provisioning_uri } = setup.body as { secret: string; provisioning_uri: string };
    expect(provisioning_uri).toMatch(/^otpauth:\/\/totp\//);
    const verify = await requestJson(`${system.url()}/api/v1/auth/mfa/verify/`, {
      ...bearer(token),
      body: { code: totp(secret).generate() },
    });
    expect(verify.body).toEqual({ mfa_enabled: true });

    // Without the password step first, a right code is refused.
    const early = await requestJson(`${system.url()}/api/v1/auth/mfa/login-verify/`, {
      ...open,
      body: { username: "ada", code: totp(secret).generate({ timestamp: Date.now() + 30_000 }) },
    });
    expect(early.status).toBe(401);

    const first = await requestJson(`${system.url()}/api/v1/auth/token/`, {
      ...open,
      body: { username: "ada", password: canaries.password },
    });
    expect(first.body).toEqual({ key: "", requires_mfa: true });
    const second = await requestJson(`${system.url()}/api/v1/auth/mfa/login-verify/`, {
      ...open,
      body: { username: "ada", code: totp(secret).generate({ timestamp: Date.now() + 30_000 }) },
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const mfaToken = (second.body as { key: string }).key;
    expect((await requestJson(`${system.url()}/api/v1/auth/mfa/status/`, bearer(mfaToken))).body).toEqual({ mfa_enabled: true });
  });
});

describe("credentials", () => {
  it("stores a credential encrypted, shows it masked, and keeps its plaintext out of Redis", async () => {
    const stored = await requestJson(`${system.url()}/v1/credentials`, {
      body: { name: "openai-prod", value: canaries.credential, type: "api_key", provider: "openai" },
    });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    expect(stored.body).toMatchObject({ name: "openai-prod", masked: `sk-…${canaries.credential.slice(-4)}` });
    const listed = await requestJson(`${system.url()}/v1/credentials`);
    expect(JSON.stringify(listed.body)).not.toContain(canaries.credential);
    const pipelit = await requestJson(`${system.url()}/api/v1/credentials/`);
    expect(pipelit.body).toMatchObject({ items: [{ id: "openai-prod", name: "openai-prod" }], total: 1 });
    expect(JSON.stringify(pipelit.body)).not.toContain(canaries.credential);

    const redis = createRedis({ url: system.infra.redisUrl, name: "canary-scan" });
    try {
      const values: string[] = [];
      for (const key of await redis.keys("*")) {
        const type = await redis.type(key);
        if (type === "string") values.push((await redis.get(key)) ?? "");
        if (type === "hash") values.push(...Object.entries(await redis.hgetall(key)).flat());
        if (type === "list") values.push(...(await redis.lrange(key, 0, -1)));
        if (type === "set") values.push(...(await redis.smembers(key)));
        if (type === "zset") values.push(...(await redis.zrange(key, 0, -1)));
      }
      expect(values.length).toBeGreaterThan(0);
      expect(values.some((value) => value.includes(canaries.credential))).toBe(false);
      expect(values.some((value) => value.includes(canaries.password))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});

describe("guessing", () => {
  it("blocks an address after repeated failed key checks: then even a valid key it has not used gets 429", async () => {
    const created = await requestJson(`${system.url()}/v1/keys`, { body: { name: "unused-yet", role: "read" } });
    const fresh = (created.body as { secret: string }).secret;
    // Requests from this file all come from 127.0.0.1: after 10 failures in a minute (the wrong password and the
    // early TOTP code above count too) it is blocked, and every further try is 429.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12 && statuses.at(-1) !== 429; attempt += 1) {
      const response = await requestJson(`${system.url()}/status`, {
        auth: false,
        headers: { "x-api-key": `${canaries.badKey}${attempt}` },
      });
      statuses.push(response.status);
    }
    console.log(`failed key checks before the block: ${statuses.filter((status) => status === 401).length}`);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.length).toBeLessThanOrEqual(11);
    const blocked = await requestJson(`${system.url()}/status`, { auth: false, headers: { "x-api-key": fresh } });
    expectError(blocked, 429, "rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const login = await requestJson(`${system.url()}/api/v1/auth/token/`, {
      ...open,
      body: { username: "ada", password: canaries.password },
    });
    expect(login.status).toBe(429);
    // What stops guessing is the check of an unknown secret; a key this gateway already verified keeps working.
    expect((await requestJson(`${system.url()}/status`)).status).toBe(200);
  });
});

describe("secrets", () => {
  it("never shows a key, credential, Authorization header or password in any log line or error body", async () => {
    const bodies = [
      await requestJson(`${system.url()}/status`, { auth: false, headers: { authorization: canaries.authorization } }),
      await requestJson(`${system.url()}/api/v1/auth/token/`, { ...open, body: { username: "nobody", password: canaries.password } }),
    ].map((response) => JSON.stringify(response.body));
    const logs = allLogs();
    expect(logs.length).toBeGreaterThan(0);
    for (const canary of Object.values(canaries)) {
      expect(logs, canary).not.toContain(canary);
      for (const body of bodies) expect(body, canary).not.toContain(canary);
    }
    expect(logs).not.toContain(system.adminKey);
  });
});
