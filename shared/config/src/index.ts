export { type CommonConfig, commonEnv, grpcAddressEnv, parseEnv, redisEnv } from "./common.ts";
export { createModelCatalog, type ModelCatalog, type ModelEnv, type ModelTarget, modelEnv } from "./models.ts";
export { type SandboxEnv, sandboxEnv, sandboxLimitsOf } from "./sandbox.ts";
