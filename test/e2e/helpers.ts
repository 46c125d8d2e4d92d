import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonResponse } from "@switchyard/testing";
import { expect } from "vitest";

/** Asserts the one documented error shape and returns the error object. */
export function expectError(
  response: JsonResponse,
  status: number,
  code?: string,
): { message: string; type: string; code: string; param: string | null } {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const body = response.body as { error: { message: string; type: string; code: string; param: string | null } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error.message).toBe("string");
  expect(typeof body.error.type).toBe("string");
  expect(typeof body.error.code).toBe("string");
  expect(body.error).toHaveProperty("param");
  if (code) expect(body.error.code).toBe(code);
  return body.error;
}

export const greetYaml = (greeting = "Hello") => `
name: hello
description: Says hello.
inputs:
  name: { type: string }
  times: { type: integer, default: 1 }
components:
  say: { type: template, template: "${greeting}, {{ name }} x{{ times }}" }
outputs:
  text: say.text
`;

/** An MCP config file naming the reference `everything` server from npm, over stdio: its path. */
export function everythingMcpConfig(label: string): string {
  const entry = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");
  const path = join(tmpdir(), `switchyard-${label}-mcp-${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [entry, "stdio"] } } }));
  return path;
}
