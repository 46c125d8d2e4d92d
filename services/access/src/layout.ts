/**
 * Every Redis key the access service owns, in one place. Nobody else reads them.
 * Scripts that reach a key through an index (a secret's key, a pruned token) are given
 * the prefix from here, so the layout is written once.
 */
const root = "sy:access";

export const layout = {
  /** Hash: one key or login token (its fields: see keys-store.ts). */
  key: (id: string) => `${root}:key:${id}`,
  /** Sorted set: key id → creation time (ms), for listing newest first and the count cap. */
  keys: `${root}:keys`,
  /** Hash: SHA-256 of a secret → key id (the current secret and one in its rotation grace). */
  secrets: `${root}:secrets`,
  /** Set: ids of admin API keys (not tokens), for bootstrap's "is there an admin" check. */
  adminKeys: `${root}:admin-keys`,
  /** Sorted set per user: token key id → creation time, to keep the newest few. */
  userTokens: (userId: string) => `${root}:user-tokens:${userId}`,

  /** Sorted set per key: admit times of the last minute (requests per minute). */
  requests: (keyId: string) => `${root}:limit:${keyId}:requests`,
  /** Hash per key: token bucket {level, at} (tokens per minute). */
  tokens: (keyId: string) => `${root}:limit:${keyId}:tokens`,
  /** Sorted set per key: run id → when its slot expires (concurrent runs). */
  runs: (keyId: string) => `${root}:limit:${keyId}:runs`,
  /** String per settled run, so a repeated settle changes nothing. */
  settled: (keyId: string, runId: string) => `${root}:limit:${keyId}:settled:${runId}`,

  /** Sorted set per client address: times of failed attempts in the last minute. */
  failures: (client: string) => `${root}:guard:failures:${client}`,
  /** String per client address while it is blocked (with a TTL). */
  blocked: (client: string) => `${root}:guard:blocked:${client}`,

  /** Hash: one user (its fields: see users-store.ts). */
  user: (id: string) => `${root}:user:${id}`,
  /** Hash: lower-cased username → user id. */
  usernames: `${root}:usernames`,
  /** Set: ids of admin users. */
  adminUsers: `${root}:admin-users`,
  /** String per user and client address: the password was right, a TOTP code may follow (TTL 300 s). */
  mfaPending: (userId: string, client: string) => `${root}:mfa:pending:${userId}:${client}`,
  /** Sorted set per user: TOTP attempts in the last minute. */
  mfaAttempts: (userId: string) => `${root}:mfa:attempts:${userId}`,
  /** String per user: failed TOTP codes in a row. */
  mfaStreak: (userId: string) => `${root}:mfa:streak:${userId}`,
  /** String per user while TOTP is locked out (with a TTL). */
  mfaLocked: (userId: string) => `${root}:mfa:locked:${userId}`,

  /** Hash: one credential's info and its sealed value {iv, tag, ciphertext}. */
  credential: (name: string) => `${root}:credential:${name}`,
  /** Sorted set, every score 0: credential names in name order. */
  credentials: `${root}:credentials`,

  /** List: audit entries (JSON), newest first. */
  audit: `${root}:audit`,
} as const;
