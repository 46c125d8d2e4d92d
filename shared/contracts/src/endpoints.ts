import { z } from "zod";
import {
  AdmitReply,
  AdmitRequest,
  AuditList,
  AuditListRequest,
  AuditRecordRequest,
  AuthenticateRequest,
  BootstrapReply,
  CredentialInfo,
  CredentialList,
  CredentialPutRequest,
  CredentialRef,
  KeyCreated,
  KeyCreateRequest,
  KeyInfo,
  KeyList,
  KeyListRequest,
  KeyRef,
  KeyRotateRequest,
  KeyUpdateRequest,
  LoginReply,
  LoginRequest,
  MfaCodeRequest,
  MfaLoginRequest,
  MfaSetupReply,
  Principal,
  SettleRequest,
  SetupRequest,
  SetupStatus,
  UserInfo,
  UserRef,
} from "./access.ts";
import {
  Execution,
  ExecutionLatestRequest,
  ExecutionList,
  ExecutionListRequest,
  ExecutionRef,
  ExecutionSubmit,
  SubmitReply,
} from "./executions.ts";
import { McpServerEntry, McpServerInput, McpServerList, McpServerRef, McpUpdateRequest } from "./mcp.ts";
import { DefinitionRecord, DefinitionSummary, DeployRequest, ListReply, ListRequest, NameRequest, PingReply } from "./registry.ts";
import { RunReply, RunRequest } from "./runs.ts";
import { SandboxControl, SandboxReport } from "./sandbox.ts";
import {
  ScheduleCreate,
  ScheduleList,
  ScheduleListRequest,
  ScheduleRef,
  ScheduleTriggered,
  ScheduleUpdate,
  ScheduleView,
} from "./schedules.ts";
import { SessionCreateRequest, SessionHistory, SessionInfo, SessionList, SessionListRequest, SessionRef } from "./sessions.ts";

/** An empty request or reply. */
export const Empty = z.object({});

/** A NATS request/reply endpoint: where it listens, who answers, and the shapes both ways. */
export interface Endpoint<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  /** Subject under the deployment prefix (`registry.deploy` → `sy.registry.deploy`). */
  subject: string;
  /** Queue group (the service name): one member answers. Undefined: every subscriber answers, the first reply wins. */
  queue: string | undefined;
  /** Who answers, for error messages ("no registry is available"). */
  service: string;
  request: Req;
  reply: Res;
}

function endpoint<Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  service: string,
  request: Req,
  reply: Res,
  answeredBy: "one replica" | "every replica" = "one replica",
): Endpoint<Req, Res> {
  return { subject, queue: answeredBy === "one replica" ? service : undefined, service, request, reply };
}

/** A JSON-RPC message of a legacy MCP SSE session, relayed to the gateway replica that holds its stream, with the key that posted it. */
export const McpSessionMessage = z.object({ keyId: z.string().max(64), message: z.record(z.string(), z.unknown()) });

/**
 * Every NATS request/reply endpoint of Switchyard, in one table: callers and servers both
 * use these entries, so a request's shape is checked on the way out and on the way in,
 * and a reply's on the way back.
 */
export const endpoints = {
  registryDeploy: endpoint("registry.deploy", "registry", DeployRequest, DefinitionSummary),
  registryUndeploy: endpoint("registry.undeploy", "registry", NameRequest, DefinitionSummary),
  registryList: endpoint("registry.list", "registry", ListRequest, ListReply),
  registryGet: endpoint("registry.get", "registry", NameRequest, DefinitionRecord),
  registryPing: endpoint("registry.ping", "registry", Empty, PingReply),
  /** Published, not requested: the answer is a `RunReply` on the asking gateway's run link. */
  execRun: endpoint("exec.run", "executor", RunRequest, RunReply),
  /** Every executor answers; the first reply says one is alive. */
  execPing: endpoint("exec.ping", "executor", Empty, PingReply, "every replica"),
  /** The code sandbox: every executor applies a change; the first answer is the reply. */
  execSandbox: endpoint("exec.sandbox", "executor", SandboxControl, SandboxReport, "every replica"),
  /** Background executions: the record lives with the executors (`sy:executions:*`), the jobs on JetStream. */
  executionSubmit: endpoint("executions.submit", "executor", ExecutionSubmit, SubmitReply),
  executionList: endpoint("executions.list", "executor", ExecutionListRequest, ExecutionList),
  executionGet: endpoint("executions.get", "executor", ExecutionRef, Execution),
  /** The newest execution of one definition (AgentSpec's `/v1/pipelines/{name}/status`). */
  executionLatest: endpoint("executions.latest", "executor", ExecutionLatestRequest, Execution),
  executionCancel: endpoint("executions.cancel", "executor", ExecutionRef, Execution),
  scheduleCreate: endpoint("scheduler.create", "scheduler", ScheduleCreate, ScheduleView),
  scheduleList: endpoint("scheduler.list", "scheduler", ScheduleListRequest, ScheduleList),
  scheduleGet: endpoint("scheduler.get", "scheduler", ScheduleRef, ScheduleView),
  scheduleUpdate: endpoint("scheduler.update", "scheduler", ScheduleUpdate, ScheduleView),
  scheduleDelete: endpoint("scheduler.delete", "scheduler", ScheduleRef, Empty),
  schedulePause: endpoint("scheduler.pause", "scheduler", ScheduleRef, ScheduleView),
  scheduleResume: endpoint("scheduler.resume", "scheduler", ScheduleRef, ScheduleView),
  /** Fires a schedule now, outside its ticks. */
  scheduleTrigger: endpoint("scheduler.trigger", "scheduler", ScheduleRef, ScheduleTriggered),
  schedulerPing: endpoint("scheduler.ping", "scheduler", Empty, PingReply),
  /** Running servers. */
  mcpList: endpoint("mcp.list", "mcp", Empty, McpServerList),
  /** Servers from the config file. */
  mcpConfig: endpoint("mcp.config", "mcp", Empty, McpServerList),
  /** Catalog entries, enabled or not. */
  mcpCatalog: endpoint("mcp.catalog", "mcp", Empty, McpServerList),
  /** Every server known: config, runtime-added and catalog. */
  mcpAvailable: endpoint("mcp.available", "mcp", Empty, McpServerList),
  mcpGet: endpoint("mcp.get", "mcp", McpServerRef, McpServerEntry),
  mcpAdd: endpoint("mcp.add", "mcp", McpServerInput, McpServerEntry),
  mcpUpdate: endpoint("mcp.update", "mcp", McpUpdateRequest, McpServerEntry),
  mcpRemove: endpoint("mcp.remove", "mcp", McpServerRef, Empty),
  mcpEnable: endpoint("mcp.enable", "mcp", McpServerRef, McpServerEntry),
  mcpDisable: endpoint("mcp.disable", "mcp", McpServerRef, Empty),
  mcpPing: endpoint("mcp.ping", "mcp", Empty, PingReply),
  sessionCreate: endpoint("session.create", "session", SessionCreateRequest, SessionInfo),
  sessionGet: endpoint("session.get", "session", SessionRef, SessionHistory),
  sessionList: endpoint("session.list", "session", SessionListRequest, SessionList),
  sessionDelete: endpoint("session.delete", "session", SessionRef, Empty),
  sessionPing: endpoint("session.ping", "session", Empty, PingReply),
  accessAuthenticate: endpoint("access.authenticate", "access", AuthenticateRequest, Principal),
  accessAdmit: endpoint("access.admit", "access", AdmitRequest, AdmitReply),
  accessSettle: endpoint("access.settle", "access", SettleRequest, Empty),
  accessBootstrap: endpoint("access.bootstrap", "access", Empty, BootstrapReply),
  accessKeyCreate: endpoint("access.key.create", "access", KeyCreateRequest, KeyCreated),
  accessKeyList: endpoint("access.key.list", "access", KeyListRequest, KeyList),
  accessKeyGet: endpoint("access.key.get", "access", KeyRef, KeyInfo),
  accessKeyUpdate: endpoint("access.key.update", "access", KeyUpdateRequest, KeyInfo),
  accessKeyRotate: endpoint("access.key.rotate", "access", KeyRotateRequest, KeyCreated),
  /** Revokes: the key is deleted, and every gateway refuses it at once. */
  accessKeyDelete: endpoint("access.key.delete", "access", KeyRef, Empty),
  accessSetupStatus: endpoint("access.setup.status", "access", Empty, SetupStatus),
  accessSetup: endpoint("access.setup", "access", SetupRequest, LoginReply),
  accessLogin: endpoint("access.login", "access", LoginRequest, LoginReply),
  accessMfaLogin: endpoint("access.mfa.login", "access", MfaLoginRequest, LoginReply),
  accessMfaSetup: endpoint("access.mfa.setup", "access", UserRef, MfaSetupReply),
  accessMfaVerify: endpoint("access.mfa.verify", "access", MfaCodeRequest, UserInfo),
  accessMfaDisable: endpoint("access.mfa.disable", "access", MfaCodeRequest, UserInfo),
  accessUserGet: endpoint("access.user.get", "access", UserRef, UserInfo),
  accessCredentialPut: endpoint("access.credential.put", "access", CredentialPutRequest, CredentialInfo),
  accessCredentialList: endpoint("access.credential.list", "access", KeyListRequest, CredentialList),
  accessCredentialGet: endpoint("access.credential.get", "access", CredentialRef, CredentialInfo),
  accessCredentialDelete: endpoint("access.credential.delete", "access", CredentialRef, Empty),
  accessAuditRecord: endpoint("access.audit.record", "access", AuditRecordRequest, Empty),
  accessAuditList: endpoint("access.audit.list", "access", AuditListRequest, AuditList),
  accessPing: endpoint("access.ping", "access", Empty, PingReply),
  /** Addressed to one gateway replica: the subject takes the MCP session id as a last token. */
  gatewayMcpSession: endpoint("gateway.mcp-session", "gateway holding this MCP session", McpSessionMessage, Empty, "every replica"),
} as const;

export type EndpointName = keyof typeof endpoints;
export type Endpoints = typeof endpoints;
