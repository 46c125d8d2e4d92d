import { AppError } from "@switchyard/errors";
import OpenAI from "openai";
import type { ChatProvider, CompletionChunk, CompletionRequest } from "./types.ts";

export interface OpenAIProviderOptions {
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

/** Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio…) through the official client. */
export function createOpenAIProvider(options: OpenAIProviderOptions): ChatProvider {
  const client = new OpenAI({
    baseURL: options.baseUrl,
    // Local servers often need no key; the client insists on a string.
    apiKey: options.apiKey ?? "not-needed",
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  const body = (request: CompletionRequest) => ({
    model: options.model,
    // The messages were parsed as OpenAI-format chat messages; the client's type is the same shape.
    messages: request.messages as OpenAI.Chat.Completions.ChatCompletionMessageParam[],
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    ...(request.tools ? { tools: request.tools as unknown as OpenAI.Chat.Completions.ChatCompletionTool[] } : {}),
    ...(request.toolChoice === undefined
      ? {}
      : { tool_choice: request.toolChoice as OpenAI.Chat.Completions.ChatCompletionToolChoiceOption }),
  });

  /** One plain call, its answer handed on as the same pieces a stream would give. */
  async function* whole(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create({ ...body(request), stream: false }, { signal });
    } catch (error) {
      throw providerError(error, signal);
    }
    const choice = completion.choices[0];
    if (choice?.message.content) yield { type: "text", text: choice.message.content };
    for (const [index, call] of (choice?.message.tool_calls ?? []).entries()) {
      if (call.type === "function")
        yield { type: "tool_call", index, id: call.id, name: call.function.name, arguments: call.function.arguments };
    }
    if (choice?.finish_reason && choice.finish_reason !== "function_call") yield { type: "finish", reason: choice.finish_reason };
    if (completion.usage) {
      const { prompt_tokens, completion_tokens, total_tokens } = completion.usage;
      yield { type: "usage", usage: { prompt_tokens, completion_tokens, total_tokens } };
    }
  }

  return {
    async *stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk> {
      if (request.incremental === false) {
        yield* whole(request, signal);
        return;
      }
      let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
      try {
        stream = await client.chat.completions.create(
          { ...body(request), stream: true, stream_options: { include_usage: true } },
          { signal },
        );
      } catch (error) {
        throw providerError(error, signal);
      }
      try {
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          const text = choice?.delta?.content;
          if (text) yield { type: "text", text };
          for (const call of choice?.delta?.tool_calls ?? []) {
            yield { type: "tool_call", index: call.index, id: call.id, name: call.function?.name, arguments: call.function?.arguments };
          }
          const finish = choice?.finish_reason;
          if (finish && finish !== "function_call") yield { type: "finish", reason: finish };
          if (chunk.usage) {
            const { prompt_tokens, completion_tokens, total_tokens } = chunk.usage;
            yield { type: "usage", usage: { prompt_tokens, completion_tokens, total_tokens } };
          }
        }
      } catch (error) {
        throw providerError(error, signal);
      }
    },
  };
}

/** Provider failures as AppErrors: 429 keeps its Retry-After, 5xx and network failures are upstream errors. */
function providerError(error: unknown, signal: AbortSignal): AppError {
  if (signal.aborted) return new AppError("cancelled", "the run was cancelled", { cause: error });
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const message = `model provider answered ${error.status}: ${error.message}`;
    if (error.status === 429) {
      const retryAfter = error.headers?.get?.("retry-after") ?? undefined;
      return new AppError("rate_limited", message, { cause: error, details: retryAfter ? { retryAfter } : undefined });
    }
    if (error.status >= 500) return new AppError("upstream_error", message, { cause: error });
    return new AppError("upstream_error", message, { cause: error, retryable: false });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new AppError("timeout", "model provider timed out", { cause: error });
  return new AppError("upstream_error", "model provider is unreachable", { cause: error });
}
