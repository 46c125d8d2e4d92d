import { AgentCard } from "@a2a-js/sdk";
import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import { JsonRpcTransportHandler, ServerCallContext, validateVersion } from "@a2a-js/sdk/server";
import { DefinitionName, type DefinitionSummary, endpoints } from "@switchyard/contracts";
import type { Request, Response, Router } from "express";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { definitionsPage } from "../../core/listing.ts";
import { nameParam } from "../../http/body.ts";
import { abortOnClose } from "../../http/client-gone.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { notFoundAs } from "../../http/not-found.ts";
import { eventStream } from "../../http/sse.ts";
import { agentTaskHandler } from "./handler.ts";
import { cardOf, legacyCardOf } from "./tasks.ts";

/** A2A's two homes: its own root, and agent-runtimes' `/api/v1/a2a/{agent_id}/`. */
const bases = ["/a2a", "/api/v1/a2a"] as const;
/** The version a request without `A2A-Version` speaks (the spec's rule), answered by the v0.3 layer. */
const legacyVersion = "0.3";

const { orNotFound } = notFoundAs(DefinitionName, "agent not found");

/** The agent's A2A base URL as this request reached it (its host, the base it came in under). */
function baseUrlOf(request: Request, name: string): string {
  const base = request.path.startsWith("/api/v1/") ? bases[1] : bases[0];
  return `${request.protocol}://${request.get("host") ?? "localhost"}${base}/${name}/`;
}

async function summaryOf(context: GatewayContext, name: string): Promise<DefinitionSummary> {
  return orNotFound(context.call(endpoints.registryGet, { name, kind: "agent" }));
}

const requestedVersion = (request: Request) => request.header("a2a-version")?.trim() || legacyVersion;
const rpcId = (body: unknown) =>
  typeof body === "object" && body !== null && "id" in body && (typeof body.id === "string" || typeof body.id === "number")
    ? body.id
    : null;

/**
 * One JSON-RPC call to an agent: A2A 1.0 methods (`SendMessage`, `SendStreamingMessage`,
 * `GetTask`, `ListTasks`, `CancelTask`, `SubscribeToTask`) when `A2A-Version: 1.0`, v0.3's
 * (`message/send`, `message/stream`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`) when the
 * header is absent or 0.3; any other version is refused with VersionNotSupported. Streams are
 * SSE of JSON-RPC responses, written as the socket takes them.
 */
async function rpc(context: GatewayContext, request: Request, response: Response): Promise<void> {
  const name = nameParam(request);
  const principal = principalOf(request);
  requireDefinition(principal, name);
  const card = cardOf(await summaryOf(context, name), baseUrlOf(request, name));
  const signal = abortOnClose(response);
  const handler = agentTaskHandler({ context, request, principal, agent: name, card, signal });
  const version = requestedVersion(request);
  const legacy = version === legacyVersion;
  const mapError = legacy ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError : JsonRpcTransportHandler.mapToJSONRPCError;
  const id = rpcId(request.body);
  const failure = (error: unknown) => ({ jsonrpc: "2.0", id, error: mapError(error) });
  try {
    validateVersion(version, card, "JSONRPC");
  } catch (error) {
    response.json(failure(error));
    return;
  }
  const call = new ServerCallContext({ requestedVersion: version });
  const transport = legacy ? new LegacyJsonRpcTransportHandler(handler) : new JsonRpcTransportHandler(handler);
  const body: unknown = request.body;
  const result = await transport.handle(typeof body === "object" && body !== null ? { ...body } : {}, call);
  if (!(Symbol.asyncIterator in result)) {
    response.json(result);
    return;
  }
  const iterator = result[Symbol.asyncIterator]();
  let step: IteratorResult<unknown>;
  try {
    step = await iterator.next();
  } catch (error) {
    response.json(failure(error));
    return;
  }
  const stream = eventStream(response);
  stream.open();
  try {
    while (!step.done && !signal.aborted) {
      if (!stream.send({ data: step.value })) await stream.drained();
      step = await iterator.next();
    }
  } catch (error) {
    stream.send({ data: failure(error) });
  } finally {
    await iterator.return?.(undefined);
    response.end();
  }
}

/**
 * A2A: each agent at `/a2a/{name}/` (and agent-runtimes' `/api/v1/a2a/{name}/`), its card at
 * `.well-known/agent-card.json` under that base (A2A 1.0's shape when asked with
 * `A2A-Version: 1.0`, v0.3's otherwise), and every card the key may see at the base itself.
 * Tasks are background executions of the agent.
 */
export function a2aRoutes(context: GatewayContext): Router {
  const routes = guardedRouter(context);
  const withBases = (path: string) => bases.map((base) => `${base}${path}`);

  routes.get(withBases("/"), "definitions.read", async (request, response) => {
    const page = await definitionsPage(context, principalOf(request), "agent", 1000, 0);
    response.json({ agents: page.items.map((agent) => AgentCard.toJSON(cardOf(agent, baseUrlOf(request, agent.name)))) });
  });
  routes.get(withBases("/:name/.well-known/agent-card.json"), "definitions.read", async (request, response) => {
    const name = nameParam(request);
    requireDefinition(principalOf(request), name);
    const card = cardOf(await summaryOf(context, name), baseUrlOf(request, name));
    const version = requestedVersion(request);
    response.setHeader("vary", "A2A-Version");
    response.setHeader("cache-control", "no-cache");
    response.json(version === legacyVersion ? legacyCardOf(card) : AgentCard.toJSON(card));
  });
  routes.post(withBases("/:name"), "runs.invoke", (request, response) => rpc(context, request, response));
  return routes.router;
}
