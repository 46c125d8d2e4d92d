import { apiKeyHeaders, requestJson } from "@switchyard/testing";
import { expect } from "vitest";

/** A chat pipeline whose answer is an llm component on `model`. */
export function chatPipeline(name: string, model: string): string {
  return [
    `name: ${name}`,
    "inputs: { text: { type: string } }",
    "components:",
    `  answer: { type: llm, model: ${model}, prompt: inputs.text }`,
    "outputs: { reply: answer.text }",
    "chat: { input: text, output: reply }",
  ].join("\n");
}

export async function deployAll(url: string, sources: Record<string, string>): Promise<void> {
  for (const [name, source] of Object.entries(sources)) {
    const response = await requestJson(`${url}/deploy-yaml`, { body: { name, source_code: source, overwrite: true } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
}

/** Upstream model aliases every chat test uses, all pointing at one test upstream. */
export function upstreamModels(baseUrl: string): string {
  const aliases = [
    "remote:test-model",
    "paced:paced",
    "slow:slow",
    "tools:tools",
    "many:many",
    "limited:fail-429",
    "broken:fail-500",
    "nousage:no-usage",
  ];
  return JSON.stringify(
    Object.fromEntries(
      aliases.map((entry) => {
        const [alias, model] = entry.split(":");
        return [alias, { base_url: baseUrl, model }];
      }),
    ),
  );
}

export async function postChat(url: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...apiKeyHeaders() },
    body: JSON.stringify(body),
    signal,
  });
}
