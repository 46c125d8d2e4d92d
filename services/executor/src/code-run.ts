import { ChatMessage, type RunRequest, type Usage } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { UploadStore } from "@switchyard/nats";
import { type SandboxHost, type SandboxPool, withSourcePositions } from "@switchyard/sandbox";
import type { Logger } from "@switchyard/telemetry";
import { z } from "zod";
import type { DoneBody } from "./chat.ts";
import type { ToolCaller } from "./components/types.ts";
import type { CachedCode } from "./definitions-cache.ts";
import { collectAnswer, countUsage, sumUsage } from "./providers/answer.ts";
import type { CompletionChunk, ProviderSet } from "./providers/index.ts";

export interface CodeDeps {
  sandbox: SandboxPool;
  /** The gateways' uploads bucket, read by ref (`ctx.files.read`). */
  uploads: UploadStore;
  providers: ProviderSet;
  tools: ToolCaller;
  /** Runs another deployed pipeline one level deeper (`ctx.pipelines.run`). */
  runPipeline(name: string, inputs: Record<string, unknown>, signal: AbortSignal, depth: number): Promise<Record<string, unknown>>;
  logger: Logger;
  /** SANDBOX_OUTPUT_BYTES: also bounds the text a call streams. */
  outputBytes: number;
}

/** Model streams one call may have open at once. */
const maxOpenStreams = 8;

const LlmRequest = z.object({
  model: z.string().min(1).max(128).default("default"),
  messages: z.array(ChatMessage).min(1).max(4096),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  tools: z.array(z.record(z.string(), z.unknown())).max(128).optional(),
  tool_choice: z.unknown().optional(),
});
const ToolRequest = z.object({ server: z.string().min(1), tool: z.string().min(1), arguments: z.record(z.string(), z.unknown()) });
const ServerRequest = z.object({ server: z.string().min(1) });
const PipelineRequest = z.object({ name: z.string().min(1), inputs: z.record(z.string(), z.unknown()) });
const StreamRequest = z.object({ stream: z.number().int() });
const FileRequest = z.object({ ref: z.string().min(1).max(128) });

/** The refs of the uploads among a run's inputs (a `file` input, or the items of a `files` one): the only ones it may read. */
function uploadRefs(inputs: Record<string, unknown>): Set<string> {
  const refs = new Set<string>();
  for (const value of Object.values(inputs)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      const upload = UploadRef.safeParse(item);
      if (upload.success) refs.add(upload.data.ref);
    }
  }
  return refs;
}
const Emitted = z.string();
const Output = z.object({ value: z.unknown().optional(), streamed: z.boolean().optional() });

const parsed = <T extends z.ZodType>(schema: T, payload: unknown, op: string): z.output<T> => {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AppError("invalid_input", `ctx ${op}: ${issue?.path.join(".") || "argument"}: ${issue?.message}`);
  }
  return result.data;
};

const Completion = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string().nullish() }) })).min(1) });
const UploadRef = z.object({ ref: z.string(), sha256: z.string() }).passthrough();

/** The text of what `runChatCompletion` returned (a string, or an OpenAI-shaped completion). */
function replyText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  const completion = Completion.safeParse(value);
  if (completion.success) return completion.data.choices[0]?.message.content ?? "";
  return JSON.stringify(value);
}

/**
 * Runs a code pipeline for a run request in the sandbox: `runApi(inputs)` (its return value
 * becomes `outputs.result`), or for a chat turn `runChatCompletion(messages, body)`, whose
 * text (returned, or yielded piece by piece) is the answer and streams as deltas. Everything
 * the wrapper reaches goes through `host` here: models through the executor's providers (and
 * credentials), MCP tools through the mcp service, other pipelines through the engine.
 */
export async function runCodeRequest(
  deps: CodeDeps,
  request: RunRequest,
  entry: CachedCode,
  inputs: Record<string, unknown>,
  emit: (text: string) => Promise<void> | void,
  signal: AbortSignal,
  depth = 0,
): Promise<DoneBody> {
  const usages: Usage[] = [];
  const streams = new Map<number, AsyncIterator<CompletionChunk>>();
  let nextStream = 0;
  let streamed = "";
  const readable = uploadRefs(inputs);
  /** A model call of the wrapper's, through the executor's provider for its alias. */
  const modelStream = (body: z.output<typeof LlmRequest>) =>
    deps.providers.get(body.model).stream(
      {
        messages: body.messages,
        temperature: body.temperature,
        maxTokens: body.max_tokens,
        tools: body.tools,
        toolChoice: body.tool_choice,
      },
      signal,
    );
  const host: SandboxHost = {
    log: (line) => deps.logger.info({ runId: request.runId, pipeline: entry.name, wrapper: true }, line),
    async call(op, payload) {
      switch (op) {
        case "llm.chat": {
          const body = parsed(LlmRequest, payload, op);
          const answer = await collectAnswer(modelStream(body), body.messages, {});
          usages.push(answer.usage);
          return { text: answer.text, tool_calls: answer.toolCalls, finish_reason: answer.finishReason, usage: answer.usage };
        }
        case "llm.stream": {
          const body = parsed(LlmRequest, payload, op);
          if (streams.size >= maxOpenStreams) throw new AppError("invalid_request", `more than ${maxOpenStreams} model streams are open`);
          const id = ++nextStream;
          streams.set(id, modelStream(body)[Symbol.asyncIterator]());
          return { stream: id };
        }
        case "stream.next": {
          const { stream } = parsed(StreamRequest, payload, op);
          const iterator = streams.get(stream);
          if (!iterator) return { done: true };
          const step = await iterator.next();
          if (step.done) {
            streams.delete(stream);
            return { done: true };
          }
          if (step.value.type === "usage") usages.push(step.value.usage);
          return { done: false, value: step.value };
        }
        case "stream.close": {
          const { stream } = parsed(StreamRequest, payload, op);
          const iterator = streams.get(stream);
          streams.delete(stream);
          await iterator?.return?.();
          return null;
        }
        case "tools.call": {
          const body = parsed(ToolRequest, payload, op);
          const result = await deps.tools.call(body.server, body.tool, body.arguments, signal);
          return { text: result.text, content: result.content, is_error: result.isError };
        }
        case "files.read": {
          const { ref } = parsed(FileRequest, payload, op);
          if (!readable.has(ref)) throw new AppError("not_found", `'${ref}' is not an upload of this run`);
          const bytes = await deps.uploads.read(ref, deps.outputBytes);
          if (!bytes) throw new AppError("not_found", `the upload '${ref}' is gone, or larger than SANDBOX_OUTPUT_BYTES`);
          return { base64: Buffer.from(bytes).toString("base64") };
        }
        case "tools.list":
          return deps.tools.list(parsed(ServerRequest, payload, op).server, signal);
        case "pipelines.run": {
          const body = parsed(PipelineRequest, payload, op);
          return deps.runPipeline(body.name, body.inputs, signal, depth + 1);
        }
        case "emit": {
          const text = parsed(Emitted, payload, op);
          if (Buffer.byteLength(streamed) + Buffer.byteLength(text) > deps.outputBytes) {
            throw new AppError("sandbox_error", `the wrapper streamed more than ${deps.outputBytes} bytes (SANDBOX_OUTPUT_BYTES)`, {
              param: "SANDBOX_OUTPUT_BYTES",
            });
          }
          streamed += text;
          await emit(text);
          return null;
        }
        default:
          throw new AppError("invalid_request", `the wrapper's context has no '${op}'`);
      }
    },
  };

  const key = `${entry.name}@${entry.version}`;
  const { bundle, functions, source_map: sourceMap } = entry.definition.code;
  try {
    if (!request.chat) {
      if (!functions.runApi) throw new AppError("not_implemented", `pipeline '${entry.name}' has no runApi(), only runChatCompletion()`);
      const outcome = await deps.sandbox.run({ key, bundle, fn: "runApi", args: [inputs], deadlineMs: request.deadlineMs, signal }, host);
      const output = Output.parse(outcome.output);
      const usage = usages.length > 0 ? { usage: sumUsage(usages) } : {};
      return { outputs: { result: output.streamed ? streamed : (output.value ?? null) }, returned: true, ...usage };
    }
    if (!functions.runChatCompletion) {
      throw new AppError("not_implemented", `pipeline '${entry.name}' has no runChatCompletion(), so it cannot serve chat completions`);
    }
    const messages = [
      ...(request.chat.history ?? []),
      { role: "user" as const, content: request.chat.message },
      ...(request.chat.trailing ?? []),
    ];
    const body = { model: entry.name, messages, stream: request.stream, ...(request.chat.tools ? { tools: request.chat.tools } : {}) };
    const outcome = await deps.sandbox.run(
      { key, bundle, fn: "runChatCompletion", args: [messages, body], deadlineMs: request.deadlineMs, signal },
      host,
    );
    const output = Output.parse(outcome.output);
    const text = output.streamed ? streamed : replyText(output.value);
    // A returned (not yielded) answer still reaches a streaming client, as one piece.
    if (!output.streamed && text && request.stream) await emit(text);
    const usage = usages.length > 0 ? sumUsage(usages) : await countUsage(messages, text, []);
    return { outputs: { result: text }, returned: true, usage, chat: { text, finish_reason: "stop", usage } };
  } catch (error) {
    // The wrapper's own file and line in its errors, not the bundle's.
    if (error instanceof AppError && error.code === "sandbox_error") {
      throw new AppError("sandbox_error", withSourcePositions(error.message, sourceMap), error.param ? { param: error.param } : {});
    }
    throw error;
  } finally {
    for (const iterator of streams.values()) void iterator.return?.();
  }
}
