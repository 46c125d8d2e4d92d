export { createRedis, type Redis, type RedisOptions } from "./client.ts";
export { defineScript, luaNow, pairs, type Script, type ScriptArg } from "./script.ts";
export { createStoreHealth, type StoreHealth } from "./store-marker.ts";
