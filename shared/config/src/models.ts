import { parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { z } from "zod";

/**
 * Model aliases are configured server-side only. `SWITCHYARD_MODELS` holds extra aliases as
 * JSON: `{"<alias>": {"base_url": "...", "model": "...", "api_key_env": "NAME"}}` or, with the
 * key in the credentials store, `"credential": "openai-prod"`. The key itself is read from the
 * named variable (or the store, on each call), so it never appears in the JSON or in logs.
 */
const ProviderEntry = z.union([
  z.object({ provider: z.literal("echo") }).strict(),
  z
    .object({
      provider: z.literal("openai").default("openai"),
      base_url: z.string().url(),
      model: z.string().min(1),
      api_key_env: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .optional(),
      credential: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
        .optional(),
    })
    .strict()
    .refine((entry) => entry.api_key_env === undefined || entry.credential === undefined, "give api_key_env or credential, not both"),
]);

export type ModelTarget =
  | { alias: string; provider: "echo" }
  | {
      alias: string;
      provider: "openai";
      baseUrl: string;
      model: string;
      apiKey: string | undefined;
      /** A credential in the access service's store, read on each call (so a rotation counts at once). */
      credential?: string | undefined;
    };

export interface ModelCatalog {
  aliases(): string[];
  get(alias: string): ModelTarget | undefined;
  /** A line for start banners; never includes keys. */
  describe(alias: string): string;
}

export const modelEnv = {
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_MODEL: z.string().default("gpt-4o-mini"),
  SWITCHYARD_MODELS: z.string().optional(),
} as const;

export interface ModelEnv {
  OPENAI_BASE_URL?: string | undefined;
  OPENAI_API_KEY?: string | undefined;
  OPENAI_MODEL: string;
  SWITCHYARD_MODELS?: string | undefined;
}

/** Builds the alias table: `echo` always, `default` → OPENAI_BASE_URL when set, else echo. */
export function createModelCatalog(env: ModelEnv, secrets: NodeJS.ProcessEnv): ModelCatalog {
  const targets = new Map<string, ModelTarget>();
  targets.set("echo", { alias: "echo", provider: "echo" });
  targets.set(
    "default",
    env.OPENAI_BASE_URL
      ? { alias: "default", provider: "openai", baseUrl: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL, apiKey: env.OPENAI_API_KEY }
      : { alias: "default", provider: "echo" },
  );
  if (env.SWITCHYARD_MODELS) {
    const entries = parseJson(
      z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), ProviderEntry),
      env.SWITCHYARD_MODELS,
      (detail) => new AppError("invalid_request", `SWITCHYARD_MODELS: ${detail}`),
    );
    for (const [alias, entry] of Object.entries(entries)) {
      targets.set(
        alias,
        entry.provider === "echo"
          ? { alias, provider: "echo" }
          : {
              alias,
              provider: "openai",
              baseUrl: entry.base_url,
              model: entry.model,
              apiKey: entry.api_key_env ? secrets[entry.api_key_env] : undefined,
              ...(entry.credential ? { credential: entry.credential } : {}),
            },
      );
    }
  }
  return {
    aliases: () => [...targets.keys()].sort(),
    get: (alias) => targets.get(alias),
    describe: (alias) => {
      const target = targets.get(alias);
      if (!target) return `${alias}: not configured`;
      if (target.provider === "echo") return `${alias}: built-in echo provider (no LLM)`;
      return `${alias}: ${target.model} at ${target.baseUrl}${target.credential ? ` (key: credential '${target.credential}')` : ""}`;
    },
  };
}
