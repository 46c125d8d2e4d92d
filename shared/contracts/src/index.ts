export { ReplyEnvelope } from "./envelope.ts";
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
export {
  createSubjects,
  type EventSubject,
  eventSubjects,
  queueGroups,
  type RequestSubject,
  type RunStream,
  requestSubjects,
  runStreams,
  type Subjects,
} from "./subjects.ts";
