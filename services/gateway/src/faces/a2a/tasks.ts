import {
  type AgentCard,
  type Artifact,
  type Message,
  type Part,
  Role,
  type StreamResponse,
  type Task,
  TaskState,
  type TaskStatus,
} from "@a2a-js/sdk";
import { type Execution, type ExecutionEvent, ExecutionStatus, finalStatuses } from "@switchyard/contracts";

/** What the A2A face notes on the executions it starts: the client's context and message ids. */
export const metaKeys = { context: "a2a.context", message: "a2a.message" } as const;

/** The one artifact a task produces: the agent's answer. */
const outputArtifactId = "output";

const stateByStatus: Record<ExecutionStatus, TaskState> = {
  queued: TaskState.TASK_STATE_SUBMITTED,
  running: TaskState.TASK_STATE_WORKING,
  succeeded: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  cancelled: TaskState.TASK_STATE_CANCELED,
  dead_lettered: TaskState.TASK_STATE_FAILED,
};
export const taskStateOf = (status: ExecutionStatus) => stateByStatus[status];

/** The execution status a ListTasks `status` filter names (undefined: no filter, or none matches). */
export function statusOfState(state: TaskState): ExecutionStatus | "none" | undefined {
  if (state === TaskState.TASK_STATE_UNSPECIFIED) return undefined;
  const match = ExecutionStatus.options.find((status) => stateByStatus[status] === state);
  return match ?? "none";
}

export const textPart = (text: string): Part => ({
  content: { $case: "text", value: text },
  metadata: undefined,
  filename: "",
  mediaType: "text/plain",
});

type MessageIds = { messageId: string; contextId: string; taskId: string };

function message(role: Role, content: string | Part, ids: MessageIds): Message {
  const part = typeof content === "string" ? textPart(content) : content;
  return { ...ids, role, parts: [part], metadata: undefined, extensions: [], referenceTaskIds: [] };
}

/** The client's context id (an execution started elsewhere is its own context). */
export const contextOf = (execution: Execution) => execution.meta?.[metaKeys.context] ?? execution.id;

/** The agent's answer, when the execution has one. */
export function outputOf(execution: Execution): string | undefined {
  const output = execution.result?.output;
  if (output === undefined) return undefined;
  return typeof output === "string" ? output : JSON.stringify(output);
}

function replyOf(execution: Execution): Message | undefined {
  const ids = { messageId: `${execution.id}-reply`, contextId: contextOf(execution), taskId: execution.id };
  const output = outputOf(execution);
  if (output !== undefined) return message(Role.ROLE_AGENT, output, ids);
  if (execution.error) return message(Role.ROLE_AGENT, execution.error.message, ids);
  return undefined;
}

function statusOf(execution: Execution): TaskStatus {
  const final = finalStatuses.includes(execution.status);
  return {
    state: taskStateOf(execution.status),
    message: final ? replyOf(execution) : undefined,
    timestamp: execution.finishedAt ?? execution.startedAt ?? execution.createdAt,
  };
}

const artifactOf = (text: string): Artifact => ({
  artifactId: outputArtifactId,
  name: "output",
  description: "",
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
});

/**
 * An execution of an agent as an A2A task: the client's message and the agent's reply as its
 * history (the newest `historyLength` of them), the answer as its one artifact, the execution's
 * id and usage in its metadata.
 */
export function taskOf(execution: Execution, options: { historyLength?: number | undefined; includeArtifacts?: boolean } = {}): Task {
  const contextId = contextOf(execution);
  const history: Message[] = [];
  const asked = execution.inputs.message;
  if (typeof asked === "string") {
    history.push(
      message(Role.ROLE_USER, asked, {
        messageId: execution.meta?.[metaKeys.message] ?? `${execution.id}-request`,
        contextId,
        taskId: execution.id,
      }),
    );
  }
  const reply = replyOf(execution);
  if (reply && finalStatuses.includes(execution.status)) history.push(reply);
  const length = options.historyLength;
  const output = outputOf(execution);
  return {
    id: execution.id,
    contextId,
    status: statusOf(execution),
    artifacts: options.includeArtifacts !== false && output !== undefined ? [artifactOf(output)] : [],
    history: length === undefined ? history : length <= 0 ? [] : history.slice(-length),
    metadata: {
      agent: execution.name,
      attempts: execution.attempts,
      ...(execution.usage ? { usage: execution.usage } : {}),
      ...(execution.error ? { error: { code: execution.error.code, message: execution.error.message } } : {}),
    },
  };
}

/**
 * Turns one execution's events into A2A stream responses: its status changes as status
 * updates, its text as chunks of the output artifact, and the end as the last chunk and the
 * final status (with the reply, from the ended record). Tool calls and results are working
 * status updates with a data part.
 */
export function streamTranslator(taskId: string, contextId: string) {
  let chunks = 0;
  let streamedText = "";
  const ids = { taskId, contextId };
  const status = (state: TaskState, at: string, reply?: Message): StreamResponse => ({
    payload: { $case: "statusUpdate", value: { ...ids, status: { state, message: reply, timestamp: at }, metadata: undefined } },
  });
  const chunk = (text: string, lastChunk: boolean): StreamResponse => {
    const append = chunks > 0;
    chunks += 1;
    return { payload: { $case: "artifactUpdate", value: { ...ids, artifact: artifactOf(text), append, lastChunk, metadata: undefined } } };
  };
  const dataMessage = (data: Record<string, unknown>, at: string): StreamResponse =>
    status(
      TaskState.TASK_STATE_WORKING,
      at,
      message(
        Role.ROLE_AGENT,
        { content: { $case: "data", value: data }, metadata: undefined, filename: "", mediaType: "application/json" },
        { messageId: `${taskId}-${data.type}-${at}-${chunks}`, ...ids },
      ),
    );

  return {
    /** The responses one event becomes, and whether it was the last. */
    translate(event: ExecutionEvent, ended?: Execution): { responses: StreamResponse[]; final: boolean } {
      switch (event.type) {
        case "delta":
          streamedText += event.text;
          return { responses: event.text ? [chunk(event.text, false)] : [], final: false };
        case "tool_call":
          return {
            responses: event.name
              ? [dataMessage({ type: "tool_call", id: event.id, name: event.name, arguments: event.arguments }, event.at)]
              : [],
            final: false,
          };
        case "tool_result":
          return {
            responses: [
              dataMessage(
                { type: "tool_result", id: event.id, name: event.name, output: event.content, is_error: event.is_error },
                event.at,
              ),
            ],
            final: false,
          };
        case "status": {
          if (event.status === "queued") return { responses: [], final: false };
          if (!finalStatuses.includes(event.status)) return { responses: [status(taskStateOf(event.status), event.at)], final: false };
          const output = ended ? outputOf(ended) : undefined;
          const responses: StreamResponse[] = [];
          if (output !== undefined) {
            // The rest of the answer the stream did not carry (all of it when nothing streamed).
            const rest = output.startsWith(streamedText) ? output.slice(streamedText.length) : output;
            responses.push(chunk(rest, true));
          }
          responses.push(status(taskStateOf(event.status), event.at, ended ? replyOf(ended) : undefined));
          return { responses, final: true };
        }
      }
    },
  };
}

/** An agent's A2A card: JSON-RPC at its base URL, for A2A 1.0 and 0.3 clients; a key in `X-API-Key` or as a bearer token. */
export function cardOf(agent: { name: string; description: string; version: number; model?: string }, baseUrl: string): AgentCard {
  const description = agent.description || `Switchyard agent ${agent.name}`;
  return {
    name: agent.name,
    description,
    supportedInterfaces: [
      { url: baseUrl, protocolBinding: "JSONRPC", tenant: "", protocolVersion: "1.0" },
      { url: baseUrl, protocolBinding: "JSONRPC", tenant: "", protocolVersion: "0.3" },
    ],
    provider: { organization: "Switchyard", url: baseUrl },
    version: String(agent.version),
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {
      apiKey: {
        scheme: { $case: "apiKeySecurityScheme", value: { description: "a Switchyard API key", location: "header", name: "X-API-Key" } },
      },
      bearer: {
        scheme: { $case: "httpAuthSecurityScheme", value: { description: "a Switchyard API key", scheme: "Bearer", bearerFormat: "" } },
      },
    },
    securityRequirements: [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain"],
    skills: [
      {
        id: agent.name,
        name: agent.name,
        description,
        tags: ["agent", ...(agent.model ? [agent.model] : [])],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/** The same card in A2A v0.3's shape, for clients that send no `A2A-Version` (or 0.3). */
export function legacyCardOf(card: AgentCard) {
  const url = card.supportedInterfaces[0]?.url ?? "";
  return {
    protocolVersion: "0.3.0",
    name: card.name,
    description: card.description,
    url,
    preferredTransport: "JSONRPC",
    additionalInterfaces: [{ url, transport: "JSONRPC" }],
    provider: { organization: card.provider?.organization ?? "Switchyard", url: card.provider?.url ?? url },
    version: card.version,
    capabilities: { streaming: true, pushNotifications: false, stateTransitionHistory: false },
    securitySchemes: {
      apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "a Switchyard API key" },
      bearer: { type: "http", scheme: "bearer", description: "a Switchyard API key" },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map((skill) => ({
      id: skill.id,
      name: skill.name,
      description: skill.description,
      tags: skill.tags,
      examples: [],
    })),
  };
}
