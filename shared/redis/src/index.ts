export { createRedis, type Redis, type RedisOptions } from "./client.ts";
export { createStoreHealth, type StoreHealth } from "./store-marker.ts";
