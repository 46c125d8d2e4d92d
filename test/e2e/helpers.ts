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
