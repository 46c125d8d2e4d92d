import { DefinitionKind, JsonObject, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { Definition, Definition__Output } from "./generated/switchyard/registry/v1/Definition.ts";
import type { GetDefinitionRequest } from "./generated/switchyard/registry/v1/GetDefinitionRequest.ts";
import type { ListDefinitionsRequest } from "./generated/switchyard/registry/v1/ListDefinitionsRequest.ts";
import type { ListDefinitionsResponse__Output } from "./generated/switchyard/registry/v1/ListDefinitionsResponse.ts";
import type { RegistryHandlers } from "./generated/switchyard/registry/v1/Registry.ts";
import { registryProto } from "./protos.ts";
import { type CallContext, type GrpcServer, type GrpcServerOptions, unary } from "./server.ts";

/** A stored definition as executors read it: the document already parsed from its JSON field. */
export interface RegistryDefinition {
  name: string;
  kind: DefinitionKind;
  version: number;
  description: string;
  /** The validated definition (pipeline or agent) as a JSON object. */
  definition: JsonObject;
  deployedAt: string;
}

/** The registry's gRPC API as promises, each call with a deadline. */
export interface RegistryGrpcClient {
  getDefinition(name: string, options: CallUnaryOptions): Promise<RegistryDefinition>;
  listDefinitions(limit: number, offset: number, options: CallUnaryOptions): Promise<{ items: RegistryDefinition[]; total: number }>;
  close(): void;
}

const malformed = (detail: string) => new AppError("internal", `the registry sent a malformed definition: ${detail}`);

function fromProto(message: Definition__Output): RegistryDefinition {
  const kind = DefinitionKind.safeParse(message.kind);
  if (!kind.success) throw malformed(`unknown kind '${message.kind}'`);
  return {
    name: message.name,
    kind: kind.data,
    version: message.version,
    description: message.description,
    definition: parseJson(JsonObject, message.definitionJson, malformed),
    deployedAt: message.deployedAt,
  };
}

function toProto(definition: RegistryDefinition): Definition {
  const { definition: document, ...rest } = definition;
  return { ...rest, definitionJson: JSON.stringify(document) };
}

export function createRegistryClient(address: string): RegistryGrpcClient {
  const client = createGrpcClient(registryProto().Registry, address);
  return {
    getDefinition: async (name, options) =>
      fromProto(await callUnary<GetDefinitionRequest, Definition__Output>(client, client.GetDefinition, { name }, options)),
    listDefinitions: async (limit, offset, options) => {
      const page = await callUnary<ListDefinitionsRequest, ListDefinitionsResponse__Output>(
        client,
        client.ListDefinitions,
        { limit, offset },
        options,
      );
      return { items: page.items.map(fromProto), total: page.total };
    },
    close: () => client.close(),
  };
}

/** What the registry implements; JSON fields are encoded here. */
export interface RegistryImplementation {
  getDefinition(name: string, call: CallContext): Promise<RegistryDefinition>;
  listDefinitions(limit: number, offset: number, call: CallContext): Promise<{ items: RegistryDefinition[]; total: number }>;
}

export function serveRegistry(server: GrpcServer, implementation: RegistryImplementation, options: GrpcServerOptions): void {
  const handlers: RegistryHandlers = {
    GetDefinition: unary("GetDefinition", options, async (request, call) =>
      toProto(await implementation.getDefinition(request.name, call)),
    ),
    ListDefinitions: unary("ListDefinitions", options, async (request, call) => {
      const page = await implementation.listDefinitions(Math.min(Math.max(request.limit || 100, 1), 1000), request.offset, call);
      return { items: page.items.map(toProto), total: page.total };
    }),
  };
  server.addService("switchyard.registry.v1.Registry", registryProto().Registry.service, handlers);
}
