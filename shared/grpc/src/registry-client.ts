import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { Definition__Output } from "./generated/switchyard/registry/v1/Definition.ts";
import type { GetDefinitionRequest } from "./generated/switchyard/registry/v1/GetDefinitionRequest.ts";
import type { ListDefinitionsRequest } from "./generated/switchyard/registry/v1/ListDefinitionsRequest.ts";
import type { ListDefinitionsResponse__Output } from "./generated/switchyard/registry/v1/ListDefinitionsResponse.ts";
import { registryProto } from "./protos.ts";

/** The registry's gRPC API as promises, each call with a deadline. */
export interface RegistryGrpcClient {
  getDefinition(request: GetDefinitionRequest, options: CallUnaryOptions): Promise<Definition__Output>;
  listDefinitions(request: ListDefinitionsRequest, options: CallUnaryOptions): Promise<ListDefinitionsResponse__Output>;
  close(): void;
}

export function createRegistryClient(address: string): RegistryGrpcClient {
  const client = createGrpcClient(registryProto().Registry, address);
  return {
    getDefinition: (request, options) =>
      callUnary<GetDefinitionRequest, Definition__Output>(client, client.GetDefinition, request, options),
    listDefinitions: (request, options) =>
      callUnary<ListDefinitionsRequest, ListDefinitionsResponse__Output>(client, client.ListDefinitions, request, options),
    close: () => client.close(),
  };
}
