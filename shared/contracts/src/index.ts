export { Empty, type Endpoint, type EndpointName, type Endpoints, endpoints, McpSessionMessage } from "./endpoints.ts";
export { ReplyEnvelope } from "./envelope.ts";
export { JsonObject, parseJson, parseJsonOrUndefined } from "./json.ts";
export {
  McpConfigFile,
  McpHttpConfig,
  McpServerConfig,
  McpServerEntry,
  McpServerId,
  McpServerInput,
  McpServerList,
  McpServerRef,
  McpStdioConfig,
  McpToolResult,
  McpToolSpec,
  McpToolSummary,
  McpTransport,
  McpUpdateRequest,
  mcpLimits,
} from "./mcp.ts";
export {
  DefinitionChanged,
  DefinitionKind,
  DefinitionName,
  DefinitionRecord,
  DefinitionSummary,
  DeployReply,
  DeployRequest,
  definitionLimits,
  ListReply,
  ListRequest,
  NameRequest,
  PingReply,
} from "./registry.ts";
export {
  FinishReason,
  type OrderedRunEvent,
  RunAccepted,
  RunChat,
  RunCredit,
  RunEvent,
  RunId,
  RunRequest,
  runLimits,
  ToolCall,
  Usage,
} from "./runs.ts";
export { ServiceName, ServiceReady } from "./service.ts";
export {
  ChatMessage,
  SessionCreateRequest,
  SessionHistory,
  SessionId,
  SessionInfo,
  SessionList,
  SessionListRequest,
  SessionRef,
} from "./sessions.ts";
export { createSubjects, type EventSubject, eventSubjects, type RunStream, runStreams, type Subjects } from "./subjects.ts";
