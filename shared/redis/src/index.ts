export { createRedis, type Redis, type RedisOptions } from "./client.ts";
