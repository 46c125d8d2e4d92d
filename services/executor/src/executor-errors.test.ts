import { type JsonObject, parseJsonOrUndefined } from "@switchyard/contracts";
import { httpStatusByCode } from "@switchyard/errors";
import { createLogger } from "@switchyard/telemetry";
import { type SingleServer, startNatsOnly } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type ExecutorFixture,
  type ScriptedAnswer,
  type ScriptedProvider,
  startExecutorFixture,
  startScriptedProvider,
} from "./test-fixture.ts";

/**
 * What leaves the executor when providers fail or clients send odd input: no configured secret
 * in any error or log line (model keys from the environment, credentials from the store), and
 * the client's mistakes keep their 4xx code. Real nats-server, real executor, real HTTP provider.
 */

const secrets = {
  /** A credential in the store: not shaped like a key at all, so only the exact value can catch it. */
  stored: "open sesame, said Ali Baba 1001",
  env: "other-provider-key-0987654321",
  openai: "sk-default-abcdefghijklmnop1234",
};
const fragments = ["Ali Baba", "sesame", "0987654321", "abcdefghijklmnop"];

const Body = z.object({ model: z.string() });
/** The provider's scripted failures, by the model asked for; each quotes what it was sent, as the probe found real ones do. */
function answer(call: { body: string; authorization: string | undefined }): ScriptedAnswer {
  const model = parseJsonOrUndefined(Body, call.body)?.model;
  const auth = call.authorization ?? "";
  const json = (status: number, message: string): ScriptedAnswer => ({ status, body: JSON.stringify({ error: { message } }) });
  if (model === "refuse-401") return json(401, `Incorrect API key provided: ${auth}. You can find your API key at …`);
  if (model === "bad-400") return json(400, `the key '${auth.replace(/^Bearer /, "")}' may not use this model`);
  if (model === "echo-500") return json(500, `internal error handling ${call.body} with headers authorization=${auth}`);
  return json(404, "no such model");
}

const lines: string[] = [];
let nats: SingleServer | undefined;
let provider: ScriptedProvider | undefined;
let fixture: ExecutorFixture | undefined;
const logger = createLogger({ service: "executor", level: "debug", destination: { write: (line: string) => void lines.push(line) } });

const ask = (model: string): { document: JsonObject } => ({
  document: {
    name: `ask-${model}`,
    inputs: { q: { type: "string" } },
    components: { answer: { type: "llm", model, prompt: "inputs.q" } },
    outputs: { text: "answer.text" },
  },
});

beforeAll(async () => {
  nats = await startNatsOnly("executor-errors");
  provider = await startScriptedProvider(answer);
  const models = {
    stored: { base_url: provider.url, model: "refuse-401", credential: "prod" },
    "stored-400": { base_url: provider.url, model: "bad-400", credential: "prod" },
    envkey: { base_url: provider.url, model: "echo-500", api_key_env: "OTHER_PROVIDER_KEY" },
  };
  fixture = await startExecutorFixture({
    natsUrl: nats.url,
    logger,
    credentials: { prod: secrets.stored },
    env: {
      OPENAI_BASE_URL: provider.url,
      OPENAI_MODEL: "refuse-401",
      OPENAI_API_KEY: secrets.openai,
      OTHER_PROVIDER_KEY: secrets.env,
      SWITCHYARD_MODELS: JSON.stringify(models),
    },
    definitions: {
      "ask-stored": ask("stored"),
      "ask-stored-400": ask("stored-400"),
      "ask-envkey": ask("envkey"),
      "ask-default": ask("default"),
      chatty: {
        document: {
          name: "chatty",
          inputs: { q: { type: "string" } },
          components: { answer: { type: "llm", model: "echo", prompt: "inputs.q" } },
          outputs: { text: "answer.text" },
          chat: { input: "q", output: "text" },
        },
      },
      helper: { kind: "agent", document: { kind: "agent", name: "helper", model: "echo", instructions: "be brief", tools: [] } },
    },
  });
});

afterAll(async () => {
  await fixture?.close();
  await provider?.stop();
  await nats?.stop();
});

describe("provider failures, as the client and the logs see them", () => {
  it.each([
    { name: "ask-stored", secret: secrets.stored, code: "upstream_error", status: 401 },
    { name: "ask-stored-400", secret: secrets.stored, code: "invalid_request", status: 400 },
    { name: "ask-envkey", secret: secrets.env, code: "upstream_error", status: 500 },
    { name: "ask-default", secret: secrets.openai, code: "upstream_error", status: 401 },
  ])("$name: a provider $status quoting the key reaches the client as $code, without it", async ({ name, secret, code, status }) => {
    if (!fixture || !provider) throw new Error("setup failed");
    const sent = provider.calls.length;
    for (const stream of [false, true]) {
      const run = fixture.run({ name, inputs: { q: "hello" }, stream });
      await run.accepted;
      const end = await run.end;
      // The key really went to the provider, which really quoted it back.
      expect(provider.calls.at(-1)?.authorization).toBe(`Bearer ${secret}`);
      expect(end).toMatchObject({ type: "error", error: { code } });
      const wire = JSON.stringify(end);
      expect(wire).toContain(`answered ${status}`);
      expect(wire).not.toContain(secret);
      for (const fragment of fragments) expect(wire).not.toContain(fragment);
      if (end.type === "error" && status >= 400 && status < 500 && code === "invalid_request") {
        expect(httpStatusByCode[end.error.code]).toBe(400);
      }
    }
    expect(provider.calls.length).toBe(sent + 2);
  });

  it("every configured secret is scrubbed from the executor's log lines, the store's credential from its arrival on", () => {
    const before = lines.length;
    logger.info({ upstream: `Bearer ${secrets.stored}` }, `keys: ${secrets.openai} ${secrets.env}`);
    logger.child({ runId: "r" }).error({ err: new Error(`provider said ${secrets.stored}`) }, "failed");
    expect(lines.length).toBe(before + 2);
    const all = lines.join("\n");
    for (const secret of Object.values(secrets)) expect(all).not.toContain(secret);
    for (const fragment of fragments) expect(all).not.toContain(fragment);
    expect(lines.at(-2)).toContain("[REDACTED]");
  });
});

describe("a client's odd input is the client's error, not a 500", () => {
  it("a chat message with special-token text (<|endoftext|>) is answered; its tokens are counted as text", async () => {
    if (!fixture) throw new Error("setup failed");
    const run = fixture.run({ name: "chatty", inputs: {}, chat: { message: "say <|endoftext|> please" } });
    await run.accepted;
    const end = await run.end;
    expect(end).toMatchObject({ type: "done", chat: { text: "say <|endoftext|> please", finish_reason: "stop" } });
    if (end.type === "done") expect(end.chat?.usage.prompt_tokens).toBeGreaterThan(3);
  });

  it("an agent turn with special-token text is answered too", async () => {
    if (!fixture) throw new Error("setup failed");
    const run = fixture.run({ name: "helper", kind: "agent", inputs: { message: "<|endofprompt|> hi" } });
    await run.accepted;
    expect(await run.end).toMatchObject({ type: "done", outputs: { output: "<|endofprompt|> hi" } });
  });

  it.each([
    { inputs: { message: 5 }, detail: "agent input: message:" },
    { inputs: { message: "hi", extra: true }, detail: "agent input:" },
    { inputs: { message: "hi", session_id: "x".repeat(65) }, detail: "agent input: session_id:" },
    { inputs: {}, detail: "agent input: message:" },
  ])("an agent's bad inputs are refused before the run as invalid_input (422): $inputs", async ({ inputs, detail }) => {
    if (!fixture) throw new Error("setup failed");
    const run = fixture.run({ name: "helper", kind: "agent", inputs });
    await expect(run.accepted).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining(detail) });
    expect(httpStatusByCode.invalid_input).toBe(422);
  });
});
