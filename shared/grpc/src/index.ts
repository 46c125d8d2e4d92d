export { type AccessGrpcClient, type AccessImplementation, type CredentialValue, createAccessClient, serveAccess } from "./access.ts";
export { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
export { checkGrpcHealth } from "./health.ts";
export { createMcpClient, type McpGrpcClient, type McpImplementation, serveMcp } from "./mcp.ts";
export { accessProto, mcpProto, registryProto, sessionProto } from "./protos.ts";
export {
  createRegistryClient,
  type RegistryDefinition,
  type RegistryGrpcClient,
  type RegistryImplementation,
  serveRegistry,
} from "./registry.ts";
export { type CallContext, createGrpcServer, type GrpcServer, type GrpcServerOptions, unary } from "./server.ts";
export { createSessionClient, type SessionGrpcClient, type SessionImplementation, type StoredSession, serveSessions } from "./session.ts";
export { codeFromGrpcStatus, errorMetadataKey, grpcStatusByCode } from "./status.ts";
