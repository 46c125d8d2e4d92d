import { type CallUnaryOptions, callUnary, createGrpcClient } from "./client.ts";
import type { AccessHandlers } from "./generated/switchyard/access/v1/Access.ts";
import type { Credential__Output } from "./generated/switchyard/access/v1/Credential.ts";
import type { GetCredentialRequest } from "./generated/switchyard/access/v1/GetCredentialRequest.ts";
import { accessProto } from "./protos.ts";
import { type CallContext, type GrpcServer, type GrpcServerOptions, unary } from "./server.ts";

/** A credential's value, as the services that use one read it. */
export interface CredentialValue {
  name: string;
  value: string;
  updatedAt: string;
}

/** The access service's gRPC API: credentials' values, only to the services that use them. */
export interface AccessGrpcClient {
  getCredential(name: string, options: CallUnaryOptions): Promise<CredentialValue>;
  close(): void;
}

export function createAccessClient(address: string): AccessGrpcClient {
  const client = createGrpcClient(accessProto().Access, address);
  return {
    getCredential: (name, options) => callUnary<GetCredentialRequest, Credential__Output>(client, client.GetCredential, { name }, options),
    close: () => client.close(),
  };
}

export interface AccessImplementation {
  getCredential(name: string, call: CallContext): Promise<CredentialValue>;
}

export function serveAccess(server: GrpcServer, implementation: AccessImplementation, options: GrpcServerOptions): void {
  const handlers: AccessHandlers = {
    GetCredential: unary("GetCredential", options, (request, call) => implementation.getCredential(request.name, call)),
  };
  server.addService("switchyard.access.v1.Access", accessProto().Access.service, handlers);
}
