export { type NatsServerOptions, natsReachable, startNatsServer } from "./nats-server.ts";
export { type PlanStep, type StartedPlan, type StartPlanOptions, startOrder, startPlan } from "./plan.ts";
export { binaryAvailable, ensureDir, freePort, type LocalServer, spawnUntilReady, stopChild } from "./processes.ts";
export { type RedisServerOptions, redisReachable, startRedisServer } from "./redis-server.ts";
export { repoRoot, type ServiceProcess, type ServiceProcessOptions, startServiceProcess } from "./services.ts";
