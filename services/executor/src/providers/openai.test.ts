import { AppError, httpStatusByCode } from "@switchyard/errors";
import { redactValues } from "@switchyard/telemetry";
import { afterEach, describe, expect, it } from "vitest";
import { type ScriptedAnswer, type ScriptedProvider, startScriptedProvider } from "../test-fixture.ts";
import { createOpenAIProvider } from "./openai.ts";
import { maxProviderMessageChars, scrubProviderText } from "./upstream-error.ts";

const key = "sk-proj-Zq9xW3vT7yU1iO5pA8sD2fG6hJ0kL4";
const limits = { concurrency: 8, queue: 8, queueWaitMs: 1000 };
let provider: ScriptedProvider | undefined;

afterEach(async () => {
  await provider?.stop();
  provider = undefined;
});

/** One call through the real provider client against a real local server answering `answer`; resolves with the AppError it failed with. */
async function failureFor(answer: (call: { body: string }) => ScriptedAnswer, apiKey: string | undefined = key): Promise<AppError> {
  provider = await startScriptedProvider(answer);
  const client = createOpenAIProvider({
    name: "main",
    baseUrl: provider.url,
    model: "gpt-x",
    apiKey: async () => apiKey,
    timeoutMs: 5000,
    limits,
  });
  try {
    for await (const _chunk of client.stream({ messages: [{ role: "user", content: "hello there" }] }, new AbortController().signal)) {
      // drain
    }
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("the call did not fail");
}

const json = (status: number, body: unknown, headers?: Record<string, string>): ScriptedAnswer => ({
  status,
  body: JSON.stringify(body),
  ...(headers ? { headers } : {}),
});

describe("provider errors reach callers summarised and scrubbed", () => {
  it("a 401 quoting the key says the credentials were refused, and nothing of the key", async () => {
    const error = await failureFor(() =>
      json(401, {
        error: { message: `Incorrect API key provided: Bearer ${key}. You can find your API key at …`, type: "invalid_request_error" },
      }),
    );
    expect(provider?.calls[0]?.authorization).toBe(`Bearer ${key}`);
    const wire = JSON.stringify(error.toWire());
    expect(wire).not.toContain(key);
    expect(wire).not.toContain("Zq9xW3vT7yU1");
    expect(wire).not.toContain("Bearer");
    expect(error.message).toBe("model provider 'main' answered 401: it refused the credentials this deployment has for it");
    expect(error.code).toBe("upstream_error");
    expect(httpStatusByCode[error.code]).toBe(502);
    expect(error.retryable).toBe(false);
  });

  it("a 500 echoing the request (headers and body) gives the status only", async () => {
    const error = await failureFor((call) =>
      json(500, { error: { message: `upstream failed for {"headers":{"authorization":"Bearer ${key}"},"body":${call.body}}` } }),
    );
    expect(error.message).toBe("model provider 'main' answered 500");
    expect(error.message).not.toContain("hello there");
    expect(error).toMatchObject({ code: "upstream_error", retryable: true, details: { providerStatus: 500 } });
  });

  it("a body that is not a JSON error (an HTML page, a raw echo) is never passed on", async () => {
    const error = await failureFor(() => ({ status: 502, body: `<html>proxy error for Authorization: Bearer ${key}</html>` }));
    expect(error.message).toBe("model provider 'main' answered 502");
  });

  it("a 400 keeps its 4xx code and the provider's message, with anything key-like and the configured secret removed, bounded", async () => {
    const configured = "my-own-provider-secret-value";
    redactValues(["a-registered-credential-value"]);
    const message = [
      `key ${configured} is not allowed;`,
      "registered a-registered-credential-value;",
      "token=abc123def456;",
      "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x;",
      "sk-live-1234567890abcdef;",
      `hex ${"0123456789abcdef".repeat(4)};`,
      `base64 ${"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo".repeat(2)}==;`,
      `and\nnewlines\u0000and ${"x ".repeat(400)}`,
    ].join(" ");
    const error = await failureFor(() => json(400, { error: { message } }), configured);
    console.log(`a 400's message as the caller gets it: ${error.message}`);
    expect(error.code).toBe("invalid_request");
    expect(httpStatusByCode[error.code]).toBe(400);
    for (const secret of [
      configured,
      "a-registered-credential-value",
      "abc123def456",
      "eyJhbGciOiJIUzI1NiJ9",
      "sk-live",
      "0123456789abcdef0123",
    ]) {
      expect(error.message).not.toContain(secret);
    }
    expect(error.message).not.toContain("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo");
    expect(error.message).toMatch(
      /^model provider 'main' answered 400: key \[REDACTED\] is not allowed; registered \[REDACTED\]; token=\[REDACTED\];/,
    );
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toContain(String.fromCharCode(0));
    expect(error.message.length).toBeLessThanOrEqual("model provider 'main' answered 400: ".length + maxProviderMessageChars);
  });

  it("other servers' shapes (Ollama's error string, FastAPI's detail) give their message; 429 keeps Retry-After", async () => {
    expect((await failureFor(() => json(404, { error: "model 'gpt-x' not found" }))).message).toBe(
      "model provider 'main' answered 404: model 'gpt-x' not found",
    );
    await provider?.stop();
    expect((await failureFor(() => json(422, { detail: "temperature must be at most 2" }))).code).toBe("invalid_request");
    await provider?.stop();
    const limited = await failureFor(() => json(429, { error: { message: "slow down" } }, { "retry-after": "7" }));
    expect(limited).toMatchObject({
      code: "rate_limited",
      message: "model provider 'main' answered 429: slow down",
      details: { retryAfter: "7" },
    });
  });

  it("scrubProviderText leaves ordinary messages alone", () => {
    const text = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130001 tokens.";
    expect(scrubProviderText(text)).toBe(text);
  });
});
