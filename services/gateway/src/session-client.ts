import { type RequestSubject, SessionHistory, SessionInfo, SessionList, type Subjects } from "@switchyard/contracts";
import { EmptyReply, type NatsConnection, requestJson } from "@switchyard/nats";
import type { z } from "zod";

/** The session service as the gateway sees it: NATS requests, parsed replies. */
export interface SessionApi {
  create(agent: string): Promise<SessionInfo>;
  get(agent: string, id: string): Promise<SessionHistory>;
  list(agent: string, limit: number, offset: number): Promise<SessionList>;
  remove(agent: string, id: string): Promise<void>;
}

export function createSessionApi(nats: NatsConnection, subjects: Subjects, timeoutMs: number): SessionApi {
  const ask = <T extends z.ZodType>(subject: RequestSubject, payload: unknown, schema: T) =>
    requestJson(nats, subjects.request(subject), payload, schema, { timeoutMs, service: "session service" });
  return {
    create: (agent) => ask("sessionCreate", { agent }, SessionInfo),
    get: (agent, id) => ask("sessionGet", { agent, id }, SessionHistory),
    list: (agent, limit, offset) => ask("sessionList", { agent, limit, offset }, SessionList),
    remove: async (agent, id) => {
      await ask("sessionDelete", { agent, id }, EmptyReply);
    },
  };
}
