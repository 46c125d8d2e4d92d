import type { ModelCatalog } from "@switchyard/config";
import { AppError } from "@switchyard/errors";
import { createEchoProvider } from "./echo.ts";
import { createOpenAIProvider } from "./openai.ts";
import type { ChatProvider } from "./types.ts";

export type { ChatMessage, ChatProvider, CompletionChunk, CompletionRequest, FinishReason, ToolCallDelta, Usage } from "./types.ts";

export interface ProviderSet {
  get(alias: string): ChatProvider;
}

/** Where a credential's value comes from (the access service, cached until it changes). */
export type CredentialSource = (name: string) => Promise<string>;

/** One provider instance per alias, made on first use. */
export function createProviderSet(models: ModelCatalog, timeoutMs: number, credentials: CredentialSource): ProviderSet {
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
          : createOpenAIProvider({
              baseUrl: target.baseUrl,
              model: target.model,
              apiKey: target.credential ? () => credentials(target.credential ?? "") : async () => target.apiKey,
              timeoutMs,
            });
      providers.set(alias, provider);
      return provider;
    },
  };
}
