export { apiKeyHeaders, type JsonResponse, requestJson, requestJsonRaw, useApiKey } from "./http.ts";
export { type Infra, type SingleServer, serviceEnv, startInfra, startNatsOnly, startRedisOnly } from "./infra.ts";
export { openAiSpecPath, openAiSpecValidator, type SpecValidator } from "./openapi.ts";
export { gatedEval, track } from "./promises.ts";
export { residentBytes, sseData } from "./sse.ts";
export { type StoreFixture, startStoreFixture } from "./store-fixture.ts";
export { randomKey, randomSecretKey, type SystemOptions, startSystem, type TestSystem } from "./system.ts";
export { startUpstream, type Upstream, type UpstreamOptions } from "./upstream.ts";
