import type { Endpoint } from "./endpoints.ts";

/**
 * Every NATS subject Switchyard uses, built from tables: request/reply endpoints from
 * `endpoints` (`<prefix>.<domain>.<verb>`), events `<prefix>.<domain>.<entity>.<event>`,
 * the run link `<prefix>.link.<side>.<id>`. The prefix isolates deployments that
 * share a NATS cluster.
 */
export const eventSubjects = {
  definitionChanged: "registry.definition.changed",
  /** A server started, stopped, failed or changed its tools. */
  mcpServerChanged: "mcp.server.changed",
  /** A key was created, changed, rotated or revoked: gateways drop what they cached for it. */
  accessKeyChanged: "access.key.changed",
  /** A credential was stored, replaced or deleted: its users read it again on the next call. */
  accessCredentialChanged: "access.credential.changed",
  /** An execution was cancelled: whichever executor runs it aborts it. */
  executionCancelled: "executions.execution.cancelled",
} as const;

/** The two ends of the run link: every gateway and every executor reads one subject of its own. */
export const linkSides = {
  gateway: "gateway",
  executor: "executor",
} as const;

export type EventSubject = keyof typeof eventSubjects;
export type LinkSide = keyof typeof linkSides;

export interface Subjects {
  /** The subject of an endpoint; `token` addresses one instance (a legacy MCP session's gateway). */
  endpoint(endpoint: Pick<Endpoint, "subject">, token?: string): string;
  event(name: EventSubject): string;
  /**
   * The one subject a process reads its runs' traffic on: a gateway the events of every run it
   * asked for, an executor the credit and cancels for every run it took. `id` is the process's link id.
   */
  link(side: LinkSide, id: string): string;
  /** Where NATS answers "no responders" for one run request of a gateway (`runId`), or, without it, the wildcard for all of them. */
  linkStatus(gatewayLink: string, runId?: string): string;
  /** The work queue's subject for one execution's job, or (without an id) the stream's wildcard. */
  executionJob(id?: string): string;
  /** One execution's event stream, or (without an id) the stream's wildcard. */
  executionEvents(id?: string): string;
  /** A JetStream stream's name for this prefix (`SY_EXECUTIONS`). */
  stream(name: "executions" | "execution_events"): string;
  /** A JetStream object store's bucket for this prefix (`sy_uploads`). */
  bucket(name: "uploads"): string;
}

const tokenPattern = /^[A-Za-z0-9_-]+$/;

/** Builds the subject table for a deployment prefix (default `sy`). */
export function createSubjects(prefix = "sy"): Subjects {
  if (!prefix.split(".").every((token) => tokenPattern.test(token))) {
    throw new Error(`invalid subject prefix '${prefix}'`);
  }
  const checked = (token: string, what: string) => {
    if (!tokenPattern.test(token)) throw new Error(`invalid ${what} '${token}'`);
    return token;
  };
  return {
    endpoint: (endpoint, token) => `${prefix}.${endpoint.subject}${token === undefined ? "" : `.${checked(token, "subject token")}`}`,
    event: (name) => `${prefix}.${eventSubjects[name]}`,
    link: (side, id) => `${prefix}.link.${linkSides[side]}.${checked(id, "link id")}`,
    linkStatus: (gatewayLink, runId) =>
      `${prefix}.link.${linkSides.gateway}.${checked(gatewayLink, "link id")}.${runId === undefined ? "*" : checked(runId, "run id")}`,
    executionJob: (id) => `${prefix}.executions.job.${id === undefined ? "*" : checked(id, "execution id")}`,
    executionEvents: (id) => `${prefix}.executions.events.${id === undefined ? "*" : checked(id, "execution id")}`,
    stream: (name) => `${prefix.replaceAll(/[.-]/g, "_").toUpperCase()}_${name.toUpperCase()}`,
    bucket: (name) => `${prefix.replaceAll(/[.-]/g, "_")}_${name}`,
  };
}
