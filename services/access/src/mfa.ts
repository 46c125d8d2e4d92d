import { parseJson, type UserInfo } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { Secret, TOTP } from "otpauth";
import { z } from "zod";
import type { Guard } from "./guard.ts";
import type { MfaGate } from "./mfa-gate.ts";
import type { Sealed, SecretBox } from "./secret-box.ts";
import { type StoredUser, type UsersStore, userInfo } from "./users-store.ts";

const SealedJson = z.object({ iv: z.string(), tag: z.string(), ciphertext: z.string() });

export interface MfaDeps {
  users: UsersStore;
  gate: MfaGate;
  guard: Guard;
  /** Absent without SWITCHYARD_SECRET_KEY: MFA cannot be set up then. */
  box: SecretBox | undefined;
  /** The clock TOTP codes are checked against (tests pass their own). */
  now: () => number;
}

const totpFor = (username: string, base32: string) =>
  new TOTP({ issuer: "Switchyard", label: username, algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(base32) });

/** The secret is sealed under the user's id, so it opens for that user only. */
const sealContext = (userId: string) => `mfa:${userId}`;

const invalidCode = () => new AppError("unauthorized", "invalid MFA code");
const needsKey = () =>
  new AppError("unavailable", "MFA needs SWITCHYARD_SECRET_KEY (32 bytes, hex or base64) on the access service to store its secrets", {
    retryable: false,
  });
const noUser = (id: string) => new AppError("not_found", `user '${id}' does not exist`);

/**
 * TOTP (RFC 6238: 30 s steps, 6 digits, SHA-1, 20-byte secrets) for users: setup stores a
 * sealed secret that `verify` turns on; every check goes through the per-user gate (attempts
 * a minute, lockout after failures in a row), accepts one step either side, and never the
 * same step twice.
 */
export function createMfa(deps: MfaDeps) {
  const { users, gate, guard } = deps;

  function open(user: StoredUser, sealed: string | undefined): string {
    if (!deps.box) throw needsKey();
    if (sealed === undefined) throw new AppError("internal", "the user has no MFA secret");
    const parsed: Sealed = parseJson(
      SealedJson,
      sealed,
      (detail) => new AppError("internal", `a stored MFA secret is unreadable: ${detail}`),
    );
    return deps.box.open(parsed, sealContext(user.id));
  }

  /** Checks a code against a sealed secret; a failure also counts against the client address, when there is one. */
  async function check(user: StoredUser, sealed: string | undefined, code: string, client: string | undefined): Promise<void> {
    await gate.attempt(user.id);
    const totp = totpFor(user.username, open(user, sealed));
    const timestamp = deps.now();
    const delta = totp.validate({ token: code, timestamp, window: 1 });
    const step = delta === null ? undefined : totp.counter({ timestamp }) + delta;
    if (await gate.settle(user.id, step)) return;
    if (client !== undefined) await guard.fail(client);
    throw invalidCode();
  }

  async function found(id: string): Promise<StoredUser> {
    const user = await users.get(id);
    if (!user) throw noUser(id);
    return user;
  }

  const changed = (id: string, result: StoredUser | undefined | "guard", conflict: string): UserInfo => {
    if (result === undefined) throw noUser(id);
    if (result === "guard") throw new AppError("conflict", conflict);
    return userInfo(result);
  };

  return {
    check,

    async setup(id: string): Promise<{ secret: string; otpauthUri: string }> {
      if (!deps.box) throw needsKey();
      const user = await found(id);
      if (user.mfaEnabled === "1") throw new AppError("conflict", "MFA is already on for this user; disable it first");
      const secret = new Secret({ size: 20 }).base32;
      const sealed = JSON.stringify(deps.box.seal(secret, sealContext(user.id)));
      const result = await users.change(id, {
        when: { field: "mfaEnabled", equals: "0" },
        set: { mfaPendingSecret: sealed },
        remove: ["mfaLastStep"],
      });
      changed(id, result, "MFA is already on for this user; disable it first");
      return { secret, otpauthUri: totpFor(user.username, secret).toString() };
    },

    /** A code from the pending secret turns MFA on. */
    async verify(id: string, code: string): Promise<UserInfo> {
      const user = await found(id);
      if (user.mfaEnabled === "1") throw new AppError("conflict", "MFA is already on for this user");
      if (user.mfaPendingSecret === undefined) throw new AppError("conflict", "no MFA setup is in progress for this user; set it up first");
      await check(user, user.mfaPendingSecret, code, undefined);
      const result = await users.change(id, {
        when: { field: "mfaPendingSecret", equals: user.mfaPendingSecret },
        set: { mfaEnabled: "1", mfaSecret: user.mfaPendingSecret },
        remove: ["mfaPendingSecret"],
      });
      return changed(id, result, "the MFA setup changed meanwhile; set it up again");
    },

    /** A valid code from the active secret turns MFA off. */
    async disable(id: string, code: string): Promise<UserInfo> {
      const user = await found(id);
      if (user.mfaEnabled !== "1") throw new AppError("conflict", "MFA is not on for this user");
      await check(user, user.mfaSecret, code, undefined);
      const result = await users.change(id, {
        when: { field: "mfaEnabled", equals: "1" },
        set: { mfaEnabled: "0" },
        remove: ["mfaSecret", "mfaPendingSecret", "mfaLastStep"],
      });
      return changed(id, result, "MFA was turned off meanwhile");
    },
  };
}

export type Mfa = ReturnType<typeof createMfa>;
