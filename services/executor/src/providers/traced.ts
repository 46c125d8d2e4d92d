import { recordFailure, SpanKind, type Tracer } from "@switchyard/telemetry";
import type { ChatProvider } from "./types.ts";

/**
 * A provider whose every call is a CLIENT span in the OpenTelemetry GenAI conventions: named `chat {model}`, with
 * `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, the request's `temperature` and
 * `max_tokens`, `gen_ai.usage.input_tokens` and `gen_ai.usage.output_tokens` as the provider reported them, the
 * finish reason, and the time to the first piece (`gen_ai.response.time_to_first_chunk`, seconds, also a
 * `gen_ai.first_chunk` event). The span is a child of the run's, so it sits in the request's trace. No message
 * content is recorded.
 */
export function tracedProvider(
  tracer: Tracer,
  target: { alias: string; model: string; provider: string },
  inner: ChatProvider,
): ChatProvider {
  return {
    async *stream(request, signal) {
      const span = tracer.startSpan(`chat ${target.model}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": target.provider,
          "gen_ai.request.model": target.model,
          "switchyard.model.alias": target.alias,
          ...(request.temperature === undefined ? {} : { "gen_ai.request.temperature": request.temperature }),
          ...(request.maxTokens === undefined ? {} : { "gen_ai.request.max_tokens": request.maxTokens }),
        },
      });
      const started = performance.now();
      let first = true;
      try {
        for await (const chunk of inner.stream(request, signal)) {
          if (first && (chunk.type === "text" || chunk.type === "tool_call")) {
            first = false;
            const seconds = (performance.now() - started) / 1000;
            span.setAttribute("gen_ai.response.time_to_first_chunk", seconds);
            span.addEvent("gen_ai.first_chunk");
          }
          if (chunk.type === "usage") {
            span.setAttribute("gen_ai.usage.input_tokens", chunk.usage.prompt_tokens);
            span.setAttribute("gen_ai.usage.output_tokens", chunk.usage.completion_tokens);
          }
          if (chunk.type === "finish") span.setAttribute("gen_ai.response.finish_reasons", [chunk.reason]);
          yield chunk;
        }
      } catch (error) {
        recordFailure(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  };
}
