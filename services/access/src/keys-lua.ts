import { defineScript, luaNow } from "@switchyard/redis";

/**
 * Writes a new key in one step: its hash, the secret's index entry, the list index and,
 * for a token, its user's token set, so no reader sees an index entry without its key.
 * Modes: `create`; `seed` (nothing when the secret is already known: the configured admin
 * key, idempotently); `bootstrap` (nothing when an enabled, unexpired admin key or an admin
 * user exists, so two concurrent bootstraps create one key). A token first revokes its
 * user's expired tokens, and after it is added the oldest past the per-user cap.
 * KEYS: keys index, secrets index, the key's hash, admin keys, the user's tokens, admin users.
 * ARGV: mode, max keys, id, secret hash, created ms, admin key ('1'), tokens kept (0: not a
 * token), key hash prefix, then field/value pairs. Returns {outcome, revoked tokens' [id, hashes…]}.
 */
export const createKeyScript = defineScript(`${luaNow}
local mode, id, hash, prefix = ARGV[1], ARGV[3], ARGV[4], ARGV[8]
if mode == 'seed' and redis.call('HEXISTS', KEYS[2], hash) == 1 then return {'exists'} end
if mode == 'bootstrap' then
  if redis.call('SCARD', KEYS[6]) > 0 then return {'exists'} end
  for _, admin in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    local state = redis.call('HMGET', prefix .. admin, 'disabled', 'expiresAtMs')
    if state[1] == '0' and (not state[2] or tonumber(state[2]) > now) then return {'exists'} end
  end
end
local revoked = {}
local function revoke(token)
  local key = prefix .. token
  local hashes = redis.call('HMGET', key, 'secretHash', 'previousSecretHash')
  local gone = {token}
  for i = 1, 2 do
    if hashes[i] then
      redis.call('HDEL', KEYS[2], hashes[i])
      table.insert(gone, hashes[i])
    end
  end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], token)
  redis.call('ZREM', KEYS[5], token)
  table.insert(revoked, gone)
end
local keep = tonumber(ARGV[7])
if keep > 0 then
  for _, token in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    local expires = redis.call('HGET', prefix .. token, 'expiresAtMs')
    if not expires or tonumber(expires) <= now then revoke(token) end
  end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {'full', revoked} end
local fields = {}
for i = 9, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('HSET', KEYS[2], hash, id)
redis.call('ZADD', KEYS[1], ARGV[5], id)
if ARGV[6] == '1' then redis.call('SADD', KEYS[4], id) end
if keep > 0 then
  redis.call('ZADD', KEYS[5], ARGV[5], id)
  local excess = redis.call('ZCARD', KEYS[5]) - keep
  for _, token in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    if excess <= 0 then break end
    if token ~= id then
      revoke(token)
      excess = excess - 1
    end
  end
end
return {'created', revoked}
`);

/** Sets some fields of an existing key (fields are independent, so concurrent updates never undo each other). KEYS: the key's hash. */
export const updateKeyScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
`);

/**
 * Revokes: the key, its secrets' index entries, its list entries and its limit state go in
 * one step. KEYS: the key's hash, keys index, secrets index, admin keys, requests, tokens,
 * runs. ARGV: id, user tokens prefix. Returns the secret hashes it had, or false.
 */
export const deleteKeyScript = defineScript(`
local fields = redis.call('HMGET', KEYS[1], 'secretHash', 'previousSecretHash', 'userId')
if not fields[1] then return false end
local hashes = {}
for i = 1, 2 do
  if fields[i] then
    redis.call('HDEL', KEYS[3], fields[i])
    table.insert(hashes, fields[i])
  end
end
if fields[3] then redis.call('ZREM', ARGV[2] .. fields[3], ARGV[1]) end
redis.call('DEL', KEYS[1], KEYS[5], KEYS[6], KEYS[7])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
return hashes
`);

/**
 * Rotates: the new secret becomes current; the old one keeps working until now + grace
 * (Redis's clock, the one authentication compares with), or stops at once for a zero
 * grace. A secret still in an earlier rotation's grace stops now. KEYS: the key's hash,
 * secrets index. ARGV: id, new hash, new prefix, grace ms. Returns {every hash involved, the key's fields}, or false.
 */
export const rotateKeyScript = defineScript(`${luaNow}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local current, previous = unpack(redis.call('HMGET', KEYS[1], 'secretHash', 'previousSecretHash'))
local hashes = {ARGV[2], current}
if previous then
  redis.call('HDEL', KEYS[2], previous)
  table.insert(hashes, previous)
end
local grace = tonumber(ARGV[4])
if grace > 0 then
  redis.call('HSET', KEYS[1], 'previousSecretHash', current, 'previousSecretValidUntilMs', string.format('%d', now + grace))
else
  redis.call('HDEL', KEYS[2], current)
  redis.call('HDEL', KEYS[1], 'previousSecretHash', 'previousSecretValidUntilMs')
end
redis.call('HSET', KEYS[1], 'secretHash', ARGV[2], 'prefix', ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {hashes, redis.call('HGETALL', KEYS[1])}
`);
