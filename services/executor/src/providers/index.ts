import type { ModelCatalog } from "@switchyard/config";
import { AppError } from "@switchyard/errors";
import { createEchoProvider } from "./echo.ts";
import { createOpenAIProvider } from "./openai.ts";
import type { ChatProvider } from "./types.ts";

export type { ChatMessage, ChatProvider, CompletionChunk, CompletionRequest, FinishReason, ToolCallDelta, Usage } from "./types.ts";

export interface ProviderSet {
  get(alias: string): ChatProvider;
}

/** One provider instance per alias, made on first use. */
export function createProviderSet(models: ModelCatalog, timeoutMs: number): ProviderSet {
  const providers = new Map<string, ChatProvider>();
  return {
    get(alias) {
      const existing = providers.get(alias);
      if (existing) return existing;
      const target = models.get(alias);
      if (!target) throw new AppError("invalid_request", `unknown model alias '${alias}'`);
      const provider =
        target.provider === "echo"
          ? createEchoProvider()
          : createOpenAIProvider({ baseUrl: target.baseUrl, model: target.model, apiKey: target.apiKey, timeoutMs });
      providers.set(alias, provider);
      return provider;
    },
  };
}
