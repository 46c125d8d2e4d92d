import {
  type DefinitionKind,
  DefinitionRecord,
  DefinitionSummary,
  type DeployRequest,
  ListReply,
  PingReply,
  type Subjects,
} from "@switchyard/contracts";
import { type NatsConnection, requestJson } from "@switchyard/nats";

/** The registry as the gateway sees it: NATS requests, parsed replies. */
export interface RegistryApi {
  deploy(request: DeployRequest): Promise<DefinitionSummary>;
  undeploy(name: string, kind?: DefinitionKind): Promise<DefinitionSummary>;
  list(limit: number, offset: number, kind?: DefinitionKind): Promise<ListReply>;
  get(name: string, kind?: DefinitionKind): Promise<DefinitionRecord>;
  ping(timeoutMs: number): Promise<PingReply>;
}

export function createRegistryApi(nats: NatsConnection, subjects: Subjects, timeoutMs: number): RegistryApi {
  const options = { timeoutMs, service: "registry" };
  return {
    deploy: (request) => requestJson(nats, subjects.request("registryDeploy"), request, DefinitionSummary, options),
    undeploy: (name, kind) => requestJson(nats, subjects.request("registryUndeploy"), { name, kind }, DefinitionSummary, options),
    list: (limit, offset, kind) => requestJson(nats, subjects.request("registryList"), { limit, offset, kind }, ListReply, options),
    get: (name, kind) => requestJson(nats, subjects.request("registryGet"), { name, kind }, DefinitionRecord, options),
    ping: (pingTimeoutMs) => requestJson(nats, subjects.request("registryPing"), {}, PingReply, { ...options, timeoutMs: pingTimeoutMs }),
  };
}
