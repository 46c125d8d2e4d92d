import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { ProtoGrpcType as AccessProto } from "./generated/access.ts";
import type { ProtoGrpcType as McpProto } from "./generated/mcp.ts";
import type { ProtoGrpcType as RegistryProto } from "./generated/registry.ts";
import type { ProtoGrpcType as SessionProto } from "./generated/session.ts";

const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "protos");

/** The options the generated types were made with (see scripts/generate.ts): keep them in step. */
const loaderOptions = { longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] };

function load<T>(file: string): T {
  return loadPackageDefinition(loadSync(join(protoDir, file), loaderOptions)) as unknown as T;
}

let registry: RegistryProto | undefined;

/** The registry package, loaded once. */
export function registryProto(): RegistryProto["switchyard"]["registry"]["v1"] {
  registry ??= load<RegistryProto>("registry.proto");
  return registry.switchyard.registry.v1;
}

let mcp: McpProto | undefined;

/** The mcp package, loaded once. */
export function mcpProto(): McpProto["switchyard"]["mcp"]["v1"] {
  mcp ??= load<McpProto>("mcp.proto");
  return mcp.switchyard.mcp.v1;
}

let session: SessionProto | undefined;

/** The session package, loaded once. */
export function sessionProto(): SessionProto["switchyard"]["session"]["v1"] {
  session ??= load<SessionProto>("session.proto");
  return session.switchyard.session.v1;
}

let access: AccessProto | undefined;

/** The access package, loaded once. */
export function accessProto(): AccessProto["switchyard"]["access"]["v1"] {
  access ??= load<AccessProto>("access.proto");
  return access.switchyard.access.v1;
}
