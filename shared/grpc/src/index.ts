export { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
export type { Definition__Output as RegistryDefinition } from "./generated/switchyard/registry/v1/Definition.ts";
export type { RegistryHandlers } from "./generated/switchyard/registry/v1/Registry.ts";
export { checkGrpcHealth } from "./health.ts";
export { registryProto } from "./protos.ts";
export { createRegistryClient, type RegistryGrpcClient } from "./registry-client.ts";
export { createGrpcServer, errorCodeMetadataKey, type GrpcServer, type GrpcServerOptions, unary } from "./server.ts";
