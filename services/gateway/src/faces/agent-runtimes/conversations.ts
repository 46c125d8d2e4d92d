import { DefinitionName, endpoints, SessionId, type SessionInfo } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request } from "express";
import { z } from "zod";
import { principalOf } from "../../access/middleware.ts";
import { requireDefinition } from "../../access/permissions.ts";
import type { GatewayContext } from "../../context.ts";
import { definitionsPage } from "../../core/listing.ts";
import { guardedRouter } from "../../http/guarded-router.ts";
import { unlessNotFound } from "../../http/not-found.ts";

const ListQuery = z.object({
  agent_id: DefinitionName.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
const OneQuery = z.object({ agent_id: DefinitionName.optional() });
/** Agents a conversation is looked for in at once, when the client does not say whose it is. */
const lookupBatch = 16;
/** Sessions read per agent when listing every agent's conversations. */
const perAgent = 1000;

const notFound = () => new AppError("not_found", "Conversation not found");
const conversationOf = (session: SessionInfo) => ({
  conversation_id: session.id,
  agent_id: session.agent,
  created_at: session.createdAt,
  updated_at: session.lastActiveAt ?? session.createdAt,
  message_count: session.messageCount,
  turns: session.turns ?? 0,
});

/**
 * agent-runtimes' conversations: an agent's sessions (what `conversation_id`, AG-UI threads
 * and A2A contexts name), listed across the agents the key may see or for one (`agent_id`),
 * read with their messages, and deleted.
 */
export function agentRuntimesConversationRoutes(context: GatewayContext) {
  const routes = guardedRouter(context);
  const agentsOf = async (request: Request, agent: string | undefined): Promise<string[]> => {
    if (agent) {
      requireDefinition(principalOf(request), agent);
      return [agent];
    }
    return (await definitionsPage(context, principalOf(request), "agent", 1000, 0)).items.map((definition) => definition.name);
  };
  /** The agent whose session this is: the one named, else the first of the key's agents that has it. */
  const ownerOf = async (request: Request): Promise<{ id: string; agent: string }> => {
    const id = SessionId.safeParse(request.params.id);
    if (!id.success) throw notFound();
    const agents = await agentsOf(request, OneQuery.parse(request.query).agent_id);
    for (let start = 0; start < agents.length; start += lookupBatch) {
      const found = await Promise.all(
        agents
          .slice(start, start + lookupBatch)
          .map((agent) => unlessNotFound(context.call(endpoints.sessionGet, { agent, id: id.data }).then(() => agent))),
      );
      const agent = found.find((name) => name !== undefined);
      if (agent) return { id: id.data, agent };
    }
    throw notFound();
  };

  routes.get(
    "/api/v1/conversations",
    "sessions.read",
    async (request, response) => {
      const query = ListQuery.parse(request.query);
      const agents = await agentsOf(request, query.agent_id);
      const sessions: SessionInfo[] = [];
      let total = 0;
      for (const agent of agents) {
        const page = await context.call(endpoints.sessionList, { agent, limit: perAgent, offset: 0 });
        sessions.push(...page.items);
        total += page.total;
      }
      sessions.sort((left, right) => (right.lastActiveAt ?? right.createdAt).localeCompare(left.lastActiveAt ?? left.createdAt));
      response.json({ conversations: sessions.slice(query.offset, query.offset + query.limit).map(conversationOf), total });
    },
    { summary: "List conversations (agent-runtimes)", query: ListQuery },
  );
  routes.get(
    "/api/v1/conversations/:id",
    "sessions.read",
    async (request, response) => {
      const { id, agent } = await ownerOf(request);
      const history = await context.call(endpoints.sessionGet, { agent, id });
      response.json({ ...conversationOf(history), messages: history.messages });
    },
    { summary: "Read a conversation with its messages (agent-runtimes)", query: OneQuery },
  );
  routes.delete(
    "/api/v1/conversations/:id",
    "runs.invoke",
    async (request, response) => {
      const { id, agent } = await ownerOf(request);
      await context.call(endpoints.sessionDelete, { agent, id });
      response.json({ status: "deleted", conversation_id: id });
    },
    { summary: "Delete a conversation (agent-runtimes)", query: OneQuery },
  );
  return routes.router;
}
