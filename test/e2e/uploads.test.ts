import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { apiKeyHeaders, requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll } from "./chat-helpers.ts";

// Hayhooks' multipart runs: `curl -F files=@a.txt -F files=@b.md -F 'query="Compare"' /NAME/run`.
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "switchyard-uploads-"));
let system: TestSystem;
let url: string;

beforeAll(async () => {
  system = await startSystem();
  url = system.url();
  await deployAll(url, {
    compare: [
      "name: compare",
      "inputs: { files: { type: files }, query: { type: string } }",
      "components:",
      '  answer: { type: template, template: "{{query}}:{{#files}} [{{name}} {{content_type}} {{size}} {{text}}]{{/files}}" }',
      "outputs: { text: answer.text }",
    ].join("\n"),
    summary: [
      "name: summary",
      "inputs: { doc: { type: file }, words: { type: integer, default: 3 } }",
      "components:",
      '  answer: { type: template, template: "{{doc.name}} ({{words}} words): {{doc.text}}" }',
      "outputs: { text: answer.text }",
    ].join("\n"),
  });
  writeFileSync(join(work, "a.txt"), "alpha");
  writeFileSync(join(work, "b.md"), "# beta");
  writeFileSync(join(work, "big.txt"), "x".repeat(300 * 1024));
  writeFileSync(join(work, "image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00]));
});
afterAll(async () => {
  await system?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** curl, as the Hayhooks docs call it: `-F` parts, the key as a header; the status and the JSON body. */
async function curlForm(path: string, parts: string[], key = true): Promise<{ status: number; body: unknown }> {
  const headers = key ? Object.entries(apiKeyHeaders()).flatMap(([name, value]) => ["-H", `${name}: ${value}`]) : [];
  const { stdout } = await run(
    "curl",
    ["-s", "-w", "\n%{http_code}", ...headers, ...parts.flatMap((part) => ["-F", part]), `${url}${path}`],
    {
      cwd: work,
    },
  );
  const lines = stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n")) };
}

describe("multipart uploads to a run", () => {
  it("hands every file, with its name, type, size and text, and the JSON fields to the pipeline", async () => {
    const answer = await curlForm("/compare/run", ["files=@a.txt", "files=@b.md;type=text/markdown", 'query="Compare"']);
    expect(answer).toEqual({
      status: 200,
      body: { result: { text: "Compare: [a.txt text/plain 5 alpha] [b.md text/markdown 6 # beta]" } },
    });
    // The same at AgentSpec's and the native path, with the platform's own FormData.
    const form = new FormData();
    form.append("files", new Blob(["one"], { type: "text/plain" }), "one.txt");
    form.append("query", JSON.stringify("Just one"));
    const response = await fetch(`${url}/v1/pipelines/compare/run`, { method: "POST", headers: apiKeyHeaders(), body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: { text: "Just one: [one.txt text/plain 3 one]" } });
  });

  it("gives a file input its one file, and takes fields that are not JSON as text", async () => {
    const answer = await curlForm("/summary/run", ["doc=@a.txt", "words=5"]);
    expect(answer.body).toEqual({ result: { text: "a.txt (5 words): alpha" } });
    const wrong = await curlForm("/summary/run", ["doc=@a.txt", "doc=@b.md"]);
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ error: { code: "invalid_input", param: "doc" } });
  });

  it("refuses a file, a form or a part count past its limit with 413 naming the setting, and binary files with 415", async () => {
    const big = await curlForm("/compare/run", ["files=@big.txt", 'query="x"']);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({
      error: { code: "payload_too_large", message: expect.stringContaining("GATEWAY_UPLOAD_MAX_FILE_BYTES") },
    });
    const many = await curlForm(
      "/compare/run",
      Array.from({ length: 40 }, (_, index) => `f${index}="v"`),
    );
    expect(many.status).toBe(413);
    expect(many.body).toMatchObject({ error: { message: expect.stringContaining("GATEWAY_UPLOAD_MAX_PARTS (32)") } });
    const binary = await curlForm("/compare/run", ["files=@image.png", 'query="x"']);
    expect(binary.status).toBe(415);
    expect(binary.body).toMatchObject({ error: { code: "unsupported_media_type", message: expect.stringContaining("image.png") } });
    // The system still answers afterwards.
    expect((await curlForm("/compare/run", ["files=@a.txt", 'query="again"'])).status).toBe(200);
  });

  it("takes a form only with a key header (a cross-site page cannot send one) and only on the run routes", async () => {
    // Without a key nothing reads the body (401 comes first); a page on another site cannot add the key header.
    const keyless = await curlForm("/compare/run", ["files=@a.txt", 'query="x"'], false);
    expect(keyless.status).toBe(401);
    const deploy = await curlForm("/v1/pipelines", ["name=compare"]);
    expect(deploy.status).toBe(415);
    expect((await requestJson(`${url}/compare/run`, { body: { query: "json still works", files: [] } })).body).toEqual({
      result: { text: "json still works:" },
    });
  });
});
