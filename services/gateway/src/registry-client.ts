import { DefinitionRecord, DefinitionSummary, type DeployRequest, ListReply, PingReply, type Subjects } from "@switchyard/contracts";
import { type NatsConnection, requestJson } from "@switchyard/nats";

/** The registry as the gateway sees it: NATS requests, parsed replies. */
export interface RegistryApi {
  deploy(request: DeployRequest): Promise<DefinitionSummary>;
  undeploy(name: string): Promise<DefinitionSummary>;
  list(limit: number, offset: number): Promise<ListReply>;
  get(name: string): Promise<DefinitionRecord>;
  ping(timeoutMs: number): Promise<PingReply>;
}

export function createRegistryApi(nats: NatsConnection, subjects: Subjects, timeoutMs: number): RegistryApi {
  const options = { timeoutMs, service: "registry" };
  return {
    deploy: (request) => requestJson(nats, subjects.request("registryDeploy"), request, DefinitionSummary, options),
    undeploy: (name) => requestJson(nats, subjects.request("registryUndeploy"), { name }, DefinitionSummary, options),
    list: (limit, offset) => requestJson(nats, subjects.request("registryList"), { limit, offset }, ListReply, options),
    get: (name) => requestJson(nats, subjects.request("registryGet"), { name }, DefinitionRecord, options),
    ping: (pingTimeoutMs) => requestJson(nats, subjects.request("registryPing"), {}, PingReply, { ...options, timeoutMs: pingTimeoutMs }),
  };
}
