import { Role, type UserInfo } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { defineScript, pairs, type Redis } from "@switchyard/redis";
import { z } from "zod";
import { layout } from "./layout.ts";

/**
 * A user as its hash holds it: the password only as an argon2id hash, TOTP secrets only
 * sealed (JSON of {iv, tag, ciphertext}); `mfaLastStep` is the last TOTP time step
 * accepted, so a code is never accepted twice.
 */
const StoredUser = z.object({
  id: z.string(),
  username: z.string(),
  role: Role,
  passwordHash: z.string(),
  createdAt: z.string(),
  mfaEnabled: z.enum(["0", "1"]),
  mfaSecret: z.string().optional(),
  mfaPendingSecret: z.string().optional(),
  mfaLastStep: z.string().optional(),
});
export type StoredUser = z.infer<typeof StoredUser>;

/** Usernames are unique regardless of case. */
export const usernameKey = (username: string) => username.toLowerCase();

/**
 * The first user, only while there is none: two concurrent setups cannot both win.
 * KEYS: usernames, the user's hash, admin users. ARGV: username key, id, admin ('1'), field/value pairs.
 */
const setupScript = defineScript(`
if redis.call('HLEN', KEYS[1]) > 0 then return 0 end
local fields = {}
for i = 4, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '1' then redis.call('SADD', KEYS[3], ARGV[2]) end
return 1
`);

/**
 * Changes an existing user's fields, when a guard field still has the expected value
 * (MFA turned on only if still off, say). KEYS: the user's hash. ARGV: guard field, expected
 * value ('' for absent), count of fields to remove, those fields, then field/value pairs to set.
 * Returns the fields after, or 0 (no such user) or 1 (the guard did not hold).
 */
const changeScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] ~= '' and (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return 1 end
local removing = tonumber(ARGV[3])
for i = 4, 3 + removing do redis.call('HDEL', KEYS[1], ARGV[i]) end
local fields = {}
for i = 4 + removing, #ARGV do table.insert(fields, ARGV[i]) end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
return redis.call('HGETALL', KEYS[1])
`);

const ChangeReply = z.union([z.literal(0), z.literal(1), z.array(z.string())]);

function read(fields: Record<string, string>): StoredUser {
  const parsed = StoredUser.safeParse(fields);
  if (!parsed.success) throw new AppError("internal", `a stored user is unreadable: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

export function userInfo(user: StoredUser): UserInfo {
  return { id: user.id, username: user.username, role: user.role, mfaEnabled: user.mfaEnabled === "1", createdAt: user.createdAt };
}

export interface UserChange {
  /** Only when this field holds this value ('' for absent). */
  when?: { field: keyof StoredUser; equals: string };
  remove?: (keyof StoredUser)[];
  set?: Partial<Record<keyof StoredUser, string>>;
}

export function createUsersStore(redis: Redis) {
  async function get(id: string): Promise<StoredUser | undefined> {
    const fields = await redis.hgetall(layout.user(id));
    return Object.keys(fields).length === 0 ? undefined : read(fields);
  }

  return {
    get,
    async findByName(username: string): Promise<StoredUser | undefined> {
      const id = await redis.hget(layout.usernames, usernameKey(username));
      return id === null ? undefined : get(id);
    },
    async any(): Promise<boolean> {
      return (await redis.hlen(layout.usernames)) > 0;
    },
    /** False when a user exists already. */
    async setup(user: StoredUser): Promise<boolean> {
      const fields = Object.entries(user).flatMap(([field, value]) => (value === undefined ? [] : [field, value]));
      const keys = [layout.usernames, layout.user(user.id), layout.adminUsers];
      const reply = await setupScript.run(redis, keys, [usernameKey(user.username), user.id, user.role === "admin" ? "1" : "0", ...fields]);
      return reply === 1;
    },
    /** The user after the change; undefined when there is no such user, "guard" when the condition did not hold. */
    async change(id: string, change: UserChange): Promise<StoredUser | undefined | "guard"> {
      const remove = change.remove ?? [];
      const set = Object.entries(change.set ?? {}).flatMap(([field, value]) => (value === undefined ? [] : [field, value]));
      const args = [change.when?.field ?? "", change.when?.equals ?? "", remove.length, ...remove, ...set];
      const reply = ChangeReply.parse(await changeScript.run(redis, [layout.user(id)], args));
      if (reply === 0) return undefined;
      if (reply === 1) return "guard";
      return read(pairs(reply));
    },
    /** The password was right from this address: a TOTP code from it may complete the login for a while. */
    async markPending(userId: string, client: string, ttlMs: number): Promise<void> {
      await redis.set(layout.mfaPending(userId, client), "1", "PX", ttlMs);
    },
    async hasPending(userId: string, client: string): Promise<boolean> {
      return (await redis.exists(layout.mfaPending(userId, client))) === 1;
    },
    async clearPending(userId: string, client: string): Promise<void> {
      await redis.del(layout.mfaPending(userId, client));
    },
  };
}

export type UsersStore = ReturnType<typeof createUsersStore>;
