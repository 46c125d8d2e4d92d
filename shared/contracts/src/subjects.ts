/**
 * Every NATS subject Switchyard uses, built from one table. Request subjects are
 * `<prefix>.<domain>.<verb>`, events `<prefix>.<domain>.<entity>.<event>`, per-run
 * streams `<prefix>.run.<runId>.<stream>`. The prefix isolates deployments that share
 * a NATS cluster.
 */
export const requestSubjects = {
  registryDeploy: "registry.deploy",
  registryUndeploy: "registry.undeploy",
  registryList: "registry.list",
  registryGet: "registry.get",
  registryPing: "registry.ping",
  execRun: "exec.run",
  execPing: "exec.ping",
  /** Running servers. */
  mcpList: "mcp.list",
  /** Servers from the config file. */
  mcpConfig: "mcp.config",
  /** Catalog entries, enabled or not. */
  mcpCatalog: "mcp.catalog",
  /** Every server known: config, runtime-added and catalog. */
  mcpAvailable: "mcp.available",
  mcpGet: "mcp.get",
  mcpAdd: "mcp.add",
  mcpUpdate: "mcp.update",
  mcpRemove: "mcp.remove",
  mcpEnable: "mcp.enable",
  mcpDisable: "mcp.disable",
  mcpPing: "mcp.ping",
  sessionCreate: "session.create",
  sessionGet: "session.get",
  sessionList: "session.list",
  sessionDelete: "session.delete",
  sessionPing: "session.ping",
} as const;

export const eventSubjects = {
  definitionChanged: "registry.definition.changed",
  /** A server started, stopped, failed or changed its tools. */
  mcpServerChanged: "mcp.server.changed",
} as const;

export const runStreams = {
  events: "events",
  cancel: "cancel",
  credit: "credit",
} as const;

/** Queue groups are the service names: one replica of a service answers each request. */
export const queueGroups = {
  registry: "registry",
  executor: "executor",
  mcp: "mcp",
  session: "session",
} as const;

export type RequestSubject = keyof typeof requestSubjects;
export type EventSubject = keyof typeof eventSubjects;
export type RunStream = keyof typeof runStreams;

export interface Subjects {
  request(name: RequestSubject): string;
  event(name: EventSubject): string;
  run(runId: string, stream: RunStream): string;
  /** Wildcard for every stream of one run. */
  runAll(runId: string): string;
  /** Messages for a legacy MCP SSE session, answered by the gateway replica holding its stream. */
  mcpSession(sessionId: string): string;
}

const tokenPattern = /^[A-Za-z0-9_-]+$/;

/** Builds the subject table for a deployment prefix (default `sy`). */
export function createSubjects(prefix = "sy"): Subjects {
  if (!prefix.split(".").every((token) => tokenPattern.test(token))) {
    throw new Error(`invalid subject prefix '${prefix}'`);
  }
  const checkedRunId = (runId: string) => {
    if (!tokenPattern.test(runId)) throw new Error(`invalid run id '${runId}'`);
    return runId;
  };
  return {
    request: (name) => `${prefix}.${requestSubjects[name]}`,
    event: (name) => `${prefix}.${eventSubjects[name]}`,
    run: (runId, stream) => `${prefix}.run.${checkedRunId(runId)}.${runStreams[stream]}`,
    runAll: (runId) => `${prefix}.run.${checkedRunId(runId)}.>`,
    mcpSession: (sessionId) => `${prefix}.gateway.mcp-session.${checkedRunId(sessionId)}`,
  };
}
