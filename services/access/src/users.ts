import { hash, verify } from "@node-rs/argon2";
import type { LoginReply, SetupStatus, UserInfo } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Guard } from "./guard.ts";
import { newUserId } from "./ids.ts";
import type { Keys } from "./keys.ts";
import type { Mfa } from "./mfa.ts";
import { type StoredUser, type UsersStore, userInfo } from "./users-store.ts";

/** How long the password step of an MFA login stays good for the code that completes it. */
const pendingMs = 300_000;

export interface UsersDeps {
  users: UsersStore;
  keys: Keys;
  guard: Guard;
  mfa: Mfa;
  tokenTtlSeconds: number;
}

export interface Credentials {
  username: string;
  password: string;
  client: string;
}

const invalidCredentials = () => new AppError("unauthorized", "invalid credentials");

/**
 * Users and logins. Passwords are argon2id hashes (the library's defaults); a login for
 * an unknown user verifies against a decoy hash, so the time taken does not say which
 * usernames exist. Every failure counts against the client address, and a blocked address
 * is refused before any password is looked at.
 */
export function createUsers(deps: UsersDeps) {
  const { users, keys, guard, mfa } = deps;
  // Made once, up front, so even the first login for an unknown user costs one verify, as a known user's does.
  const decoy = hash("not anyone's password: spends the same work as a real check");

  async function issue(user: StoredUser): Promise<LoginReply> {
    const created = await keys.create({
      name: `login ${user.username}`,
      role: user.role,
      kind: "token",
      userId: user.id,
      expiresAt: new Date(Date.now() + deps.tokenTtlSeconds * 1000).toISOString(),
      createdBy: user.username,
    });
    return { user: userInfo(user), token: created.secret, tokenKeyId: created.key.id, mfaRequired: false };
  }

  return {
    async status(): Promise<SetupStatus> {
      return { needsSetup: !(await users.any()) };
    },

    /** The first user, an admin, logged in at once. */
    async setup({ username, password }: Credentials): Promise<LoginReply> {
      if (await users.any()) throw new AppError("conflict", "setup already completed");
      const user: StoredUser = {
        id: newUserId(),
        username,
        role: "admin",
        passwordHash: await hash(password),
        createdAt: new Date().toISOString(),
        mfaEnabled: "0",
      };
      if (!(await users.setup(user))) throw new AppError("conflict", "setup already completed");
      return issue(user);
    },

    async login({ username, password, client }: Credentials): Promise<LoginReply> {
      await guard.check(client);
      const user = await users.findByName(username);
      const matches = await verify(user?.passwordHash ?? (await decoy), password);
      if (!user || !matches) {
        await guard.fail(client);
        throw invalidCredentials();
      }
      if (user.mfaEnabled === "1") {
        await users.markPending(user.id, client, pendingMs);
        return { user: userInfo(user), mfaRequired: true };
      }
      return issue(user);
    },

    /** The second step: only for a user whose password was right from the same address in the last few minutes. */
    async mfaLogin({ username, code, client }: { username: string; code: string; client: string }): Promise<LoginReply> {
      await guard.check(client);
      const user = await users.findByName(username);
      const pending = user?.mfaEnabled === "1" && (await users.hasPending(user.id, client));
      if (!user || !pending) {
        await guard.fail(client);
        throw new AppError("unauthorized", "log in with the password first");
      }
      await mfa.check(user, user.mfaSecret, code, client);
      await users.clearPending(user.id, client);
      return issue(user);
    },

    async get(id: string): Promise<UserInfo> {
      const user = await users.get(id);
      if (!user) throw new AppError("not_found", `user '${id}' does not exist`);
      return userInfo(user);
    },
  };
}
