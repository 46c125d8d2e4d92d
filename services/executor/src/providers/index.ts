import type { ModelCatalog } from "@switchyard/config";
import { AppError } from "@switchyard/errors";
import { createEchoProvider } from "./echo.ts";
import type { CallLimits } from "./limiter.ts";
import { createOpenAIProvider, type LimitedProvider } from "./openai.ts";
import type { ChatProvider } from "./types.ts";

export type { ChatMessage, ChatProvider, CompletionChunk, CompletionRequest, FinishReason, ToolCallDelta, Usage } from "./types.ts";

export interface ProviderSet {
  get(alias: string): ChatProvider;
}

/** The executor's providers: also says how many calls wait for a provider (runs that have not started their call). */
export interface ProviderPool extends ProviderSet {
  queued(): number;
}

export interface ProviderSetOptions {
  models: ModelCatalog;
  credentials: CredentialSource;
  /** Timeout of one provider HTTP call. */
  timeoutMs: number;
  /** Per provider: calls in flight, calls waiting, and how long they may wait. */
  limits: CallLimits;
  /** Wraps each provider as it is made (the metrics count its calls). */
  instrument?(alias: string, provider: ChatProvider): ChatProvider;
}

/** Where a credential's value comes from (the access service, cached until it changes). */
export type CredentialSource = (name: string) => Promise<string>;

/** One provider instance per alias, made on first use; each OpenAI-compatible one with its own limits. */
export function createProviderSet(options: ProviderSetOptions): ProviderPool {
  const { models, credentials, timeoutMs, limits } = options;
  const wrap = (alias: string, provider: ChatProvider) => (options.instrument ? options.instrument(alias, provider) : provider);
  const providers = new Map<string, ChatProvider>();
  const limited: LimitedProvider[] = [];
  return {
    queued() {
      let total = 0;
      for (const provider of limited) total += provider.queued();
      return total;
    },
    get(alias) {
      const existing = providers.get(alias);
      if (existing) return existing;
      const target = models.get(alias);
      if (!target) throw new AppError("invalid_request", `unknown model alias '${alias}'`);
      if (target.provider === "echo") {
        const echo = wrap(alias, createEchoProvider());
        providers.set(alias, echo);
        return echo;
      }
      const credential = target.credential;
      const provider = createOpenAIProvider({
        name: alias,
        baseUrl: target.baseUrl,
        model: target.model,
        apiKey: credential ? () => credentials(credential) : async () => target.apiKey,
        timeoutMs,
        limits,
      });
      const wrapped = wrap(alias, provider);
      providers.set(alias, wrapped);
      limited.push(provider);
      return wrapped;
    },
  };
}
