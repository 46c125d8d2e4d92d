export { commonEnv, parseEnv, splitHostPort } from "./common.ts";
export { createModelCatalog, type ModelCatalog, type ModelEnv, type ModelTarget, modelEnv } from "./models.ts";
