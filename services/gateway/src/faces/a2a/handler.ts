import { createHash } from "node:crypto";
import type {
  AgentCard,
  CancelTaskRequest,
  GetTaskRequest,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
} from "@a2a-js/sdk";
import {
  A2AError,
  ContentTypeNotSupportedError,
  ExtendedAgentCardNotConfiguredError,
  JsonRpcTransportError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
import {
  type Execution,
  ExecutionId,
  endpoints,
  executionLimits,
  finalEventOf,
  finalStatuses,
  type Principal,
} from "@switchyard/contracts";
import { toAppError } from "@switchyard/errors";
import type { Request } from "express";
import type { GatewayContext } from "../../context.ts";
import { pullExecutionEvents } from "../../core/execution-events.ts";
import { ownerFilter, submitExecution } from "../../core/executions.ts";
import { contextOf, metaKeys, statusOfState, streamTranslator, taskOf } from "./tasks.ts";

/** One A2A request to one agent: who asks, and the signal that says they left. */
export interface A2ACall {
  context: GatewayContext;
  request: Request;
  principal: Principal;
  agent: string;
  card: AgentCard;
  signal: AbortSignal;
}

/** Tasks a ListTasks page holds by default and at most (the spec's default is 50). */
const pageSizes = { default: 50, max: 100 } as const;
/** How many of an agent's newest tasks a ListTasks filter by context or time looks through. */
const filteredScan = 1000;
/** Ids a client may give its messages and contexts. */
const clientIdChars = 128;

/** Our errors in A2A's words: invalid input is invalid params, a missing execution a missing task, the rest a server error with our code. */
function a2aError(error: unknown): Error {
  const appError = toAppError(error);
  switch (appError.code) {
    case "not_found":
      return new TaskNotFoundError(appError.message);
    case "invalid_request":
    case "invalid_input":
    case "payload_too_large":
    case "conflict":
      return new RequestMalformedError(appError.message);
    case "unsupported_media_type":
      return new ContentTypeNotSupportedError(appError.message);
    case "not_implemented":
      return new UnsupportedOperationError(appError.message);
    default:
      return new JsonRpcTransportError({
        jsonrpc: "2.0",
        id: null,
        error: { code: appError.code === "internal" ? -32603 : -32000, message: appError.message, data: { code: appError.code } },
      });
  }
}

/** A2A errors pass as they are; ours are translated. */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof A2AError ? error : a2aError(error);
  }
}

/** The text a message carries: its text parts, and its data parts as JSON. Files are not taken. */
function textOf(message: Message): string {
  const texts: string[] = [];
  for (const part of message.parts) {
    const content = part.content;
    if (content?.$case === "text") texts.push(content.value);
    else if (content?.$case === "data") texts.push(JSON.stringify(content.value));
    else throw new ContentTypeNotSupportedError("this agent takes text and data parts; files (raw bytes or URLs) are not accepted");
  }
  if (texts.length === 0) throw new RequestMalformedError("the message has no text or data part");
  return texts.join("\n");
}

/**
 * A2A over background executions: a message starts an execution of the agent (the task is the
 * execution, so it outlives the gateway that took it and any gateway answers for it), the
 * context id names the agent's session, and every read comes from the execution's record and
 * its event stream.
 */
export function agentTaskHandler(call: A2ACall): A2ARequestHandler {
  const { context, principal, agent } = call;
  const owner = ownerFilter(principal);

  const read = async (id: string): Promise<Execution> => {
    const record = await context.call(endpoints.executionGet, { id: taskIdOf(id), owner });
    if (record.kind !== "agent" || record.name !== agent) throw new TaskNotFoundError(`task '${id}' does not exist`);
    return record;
  };
  /** The backstop of every wait on events: the record's final event when the stream lacks it. */
  const finalFromRecord = async (id: string) => {
    const record = await read(id);
    return finalStatuses.includes(record.status) ? finalEventOf(record) : undefined;
  };
  const taskIdOf = (id: string) => {
    const parsed = ExecutionId.safeParse(id);
    if (!parsed.success) throw new TaskNotFoundError(`task '${id}' does not exist`);
    return parsed.data;
  };

  /** Starts the task a message asks for; a message sent again (the same id in the same context) is the same task. */
  const start = async (params: SendMessageRequest): Promise<Execution> => {
    const message = params.message;
    if (!message) throw new RequestMalformedError("params.message is required");
    if (message.taskId) {
      const existing = await read(message.taskId);
      throw new UnsupportedOperationError(
        finalStatuses.includes(existing.status)
          ? `task '${message.taskId}' has ended; send the next message in its context (contextId) without a taskId`
          : `task '${message.taskId}' is still working and takes no more input; wait for it or cancel it`,
      );
    }
    if (message.messageId.length > clientIdChars || message.contextId.length > clientIdChars) {
      throw new RequestMalformedError(`messageId and contextId are at most ${clientIdChars} characters`);
    }
    const text = textOf(message);
    const contextId = message.contextId || crypto.randomUUID();
    const meta: Record<string, string> = { [metaKeys.context]: contextId };
    if (message.messageId && message.messageId.length <= executionLimits.metaValueChars) meta[metaKeys.message] = message.messageId;
    const reply = await submitExecution(context, principal, call.request, {
      kind: "agent",
      name: agent,
      inputs: { message: text },
      conversation: `${principal.keyId}:a2a:${contextId}`,
      meta,
      // A message sent again (its id, in the context it named) is the same task; the key is a hash, so any ids fit it.
      ...(message.messageId
        ? {
            idempotencyKey: `a2a:${createHash("sha256").update(`${agent}\u0000${message.contextId}\u0000${message.messageId}`).digest("hex")}`,
          }
        : {}),
    });
    return reply.execution;
  };

  /** Waits for an execution to end, up to the run timeout or the client leaving; answers its record then. */
  const settled = async (execution: Execution): Promise<Execution> => {
    if (finalStatuses.includes(execution.status)) return execution;
    const signal = AbortSignal.any([call.signal, AbortSignal.timeout(context.config.GATEWAY_RUN_TIMEOUT_MS)]);
    for await (const event of pullExecutionEvents(context.bus.nats, context.bus.subjects, execution.id, {
      signal,
      finalFromRecord: () => finalFromRecord(execution.id),
    })) {
      if (event.type === "status" && finalStatuses.includes(event.status)) break;
    }
    return read(execution.id);
  };

  /** The task now, then its events as they come, until it ends (or the client leaves). */
  async function* follow(execution: Execution): AsyncGenerator<StreamResponse, void, undefined> {
    yield { payload: { $case: "task", value: taskOf(execution) } };
    if (finalStatuses.includes(execution.status)) return;
    const translator = streamTranslator(execution.id, contextOf(execution));
    const events = pullExecutionEvents(context.bus.nats, context.bus.subjects, execution.id, {
      signal: call.signal,
      finalFromRecord: () => finalFromRecord(execution.id),
    });
    for await (const event of events) {
      const ended = event.type === "status" && finalStatuses.includes(event.status) ? await read(execution.id) : undefined;
      const { responses, final } = translator.translate(event, ended);
      for (const response of responses) yield response;
      if (final) return;
    }
  }

  return {
    getAgentCard: async () => call.card,
    getAuthenticatedExtendedAgentCard: async () => {
      throw new ExtendedAgentCardNotConfiguredError("this agent has no extended card");
    },
    sendMessage: (params) =>
      translated(async () => {
        const execution = await start(params);
        const options = { historyLength: params.configuration?.historyLength };
        if (params.configuration?.returnImmediately) return taskOf(execution, options);
        return taskOf(await settled(execution), options);
      }),
    async *sendMessageStream(params) {
      const execution = await translated(() => start(params));
      yield* follow(execution);
    },
    async *resubscribe(params: SubscribeToTaskRequest) {
      const execution = await translated(() => read(params.id));
      if (finalStatuses.includes(execution.status)) {
        throw new UnsupportedOperationError(`task '${params.id}' has ended; GetTask reads it`);
      }
      yield* follow(execution);
    },
    getTask: (params: GetTaskRequest): Promise<Task> =>
      translated(async () => taskOf(await read(params.id), { historyLength: params.historyLength })),
    cancelTask: (params: CancelTaskRequest): Promise<Task> =>
      translated(async () => {
        const execution = await read(params.id);
        if (finalStatuses.includes(execution.status)) {
          throw new TaskNotCancelableError(`task '${params.id}' has already ended (${execution.status})`);
        }
        return taskOf(await context.call(endpoints.executionCancel, { id: execution.id, owner }));
      }),
    listTasks: (params: ListTasksRequest): Promise<ListTasksResponse> => translated(() => listTasks(params)),
    createTaskPushNotificationConfig: noPush,
    getTaskPushNotificationConfig: noPush,
    listTaskPushNotificationConfigs: noPush,
    deleteTaskPushNotificationConfig: noPush,
  };

  /**
   * A page of the agent's tasks, newest first: by status from the executions' index; by context
   * or update time over the newest `filteredScan` (the executions keep no index of either).
   */
  async function listTasks(params: ListTasksRequest): Promise<ListTasksResponse> {
    const pageSize = Math.min(Math.max(params.pageSize ?? pageSizes.default, 1), pageSizes.max);
    const offset = params.pageToken ? Number(params.pageToken) : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000)
      throw new RequestMalformedError("pageToken is not one this server gave");
    const status = statusOfState(params.status);
    if (status === "none") return { tasks: [], nextPageToken: "", pageSize, totalSize: 0 };
    const after = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : undefined;
    const filtered = Boolean(params.contextId) || after !== undefined;
    const page = await context.call(endpoints.executionList, {
      ...(owner ? { owner } : {}),
      name: agent,
      ...(status ? { status } : {}),
      limit: filtered ? filteredScan : pageSize,
      offset: filtered ? 0 : offset,
    });
    const options = { historyLength: params.historyLength, includeArtifacts: params.includeArtifacts ?? false };
    const matches = (execution: Execution) =>
      (!params.contextId || contextOf(execution) === params.contextId) &&
      (after === undefined || Date.parse(execution.finishedAt ?? execution.startedAt ?? execution.createdAt) > after);
    const items = filtered ? page.items.filter(matches) : page.items;
    const total = filtered ? items.length : page.total;
    const shown = filtered ? items.slice(offset, offset + pageSize) : items;
    const next = offset + shown.length;
    return {
      tasks: shown.map((execution) => taskOf(execution, options)),
      nextPageToken: next < total ? String(next) : "",
      pageSize,
      totalSize: total,
    };
  }
}

async function noPush(): Promise<never> {
  throw new PushNotificationNotSupportedError("push notifications are not offered; stream the task (SubscribeToTask) or poll GetTask");
}
