import type { Endpoint } from "./endpoints.ts";

/**
 * Every NATS subject Switchyard uses, built from tables: request/reply endpoints from
 * `endpoints` (`<prefix>.<domain>.<verb>`), events `<prefix>.<domain>.<entity>.<event>`,
 * per-run streams `<prefix>.run.<runId>.<stream>`. The prefix isolates deployments that
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
} as const;

export const runStreams = {
  events: "events",
  cancel: "cancel",
  credit: "credit",
} as const;

export type EventSubject = keyof typeof eventSubjects;
export type RunStream = keyof typeof runStreams;

export interface Subjects {
  /** The subject of an endpoint; `token` addresses one instance (a legacy MCP session's gateway). */
  endpoint(endpoint: Pick<Endpoint, "subject">, token?: string): string;
  event(name: EventSubject): string;
  run(runId: string, stream: RunStream): string;
  /** Wildcard for every stream of one run. */
  runAll(runId: string): string;
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
    run: (runId, stream) => `${prefix}.run.${checked(runId, "run id")}.${runStreams[stream]}`,
    runAll: (runId) => `${prefix}.run.${checked(runId, "run id")}.>`,
  };
}
