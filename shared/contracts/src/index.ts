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
export { type OrderedRunEvent, RunAccepted, RunEvent, RunId, RunRequest, runLimits } from "./runs.ts";
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
