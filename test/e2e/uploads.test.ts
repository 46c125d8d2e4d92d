import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createSubjects } from "@switchyard/contracts";
import { connectNats, createUploadStore, type NatsConnection, type UploadStore } from "@switchyard/nats";
import { apiKeyHeaders, requestJson, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll, upstreamModels } from "./chat-helpers.ts";

// Hayhooks' multipart runs: `curl -F files=@a.txt -F files=@b.md -F 'query="Compare"' /NAME/run`.
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "switchyard-uploads-"));
let system: TestSystem;
let url: string;
let upstream: Upstream;
let nats: NatsConnection;
/** The gateway's uploads bucket, read as an operator would. */
let uploads: UploadStore;
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00]);

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 60_000 });
  system = await startSystem({ env: { SWITCHYARD_MODELS: upstreamModels(upstream.url) } });
  url = system.url();
  nats = await connectNats({ url: system.infra.natsUrl, name: "uploads-test" });
  uploads = createUploadStore(nats, { bucket: createSubjects("sy").bucket("uploads"), maxBytes: 1024 * 1024, ttlMs: 600_000 });
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
    // Binary files by reference: what the pipeline is told of them, and a model that waits (to be cancelled) or fails.
    described: [
      "name: described",
      "inputs: { doc: { type: file }, model: { type: string, default: remote } }",
      "components:",
      '  about: { type: template, template: "{{doc.name}} {{doc.content_type}} {{doc.size}} {{doc.sha256}} {{doc.ref}}" }',
      "  answer: { type: llm, model: remote, prompt: about.text }",
      "outputs: { about: about.text, answer: answer.text }",
    ].join("\n"),
    slowly: [
      "name: slowly",
      "inputs: { doc: { type: file } }",
      "components:",
      '  about: { type: template, template: "{{doc.name}}" }',
      "  answer: { type: llm, model: slow, prompt: about.text }",
      "outputs: { answer: answer.text }",
    ].join("\n"),
    failing: [
      "name: failing",
      "inputs: { doc: { type: file } }",
      "components:",
      '  about: { type: template, template: "{{doc.name}}" }',
      "  answer: { type: llm, model: broken, prompt: about.text }",
      "outputs: { answer: answer.text }",
    ].join("\n"),
  });
  writeFileSync(join(work, "a.txt"), "alpha");
  writeFileSync(join(work, "b.md"), "# beta");
  writeFileSync(join(work, "big.txt"), "x".repeat(300 * 1024));
  writeFileSync(join(work, "image.png"), png);
});
afterAll(async () => {
  await nats?.close();
  await system?.stop();
  await upstream?.stop();
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

  it("refuses a file, a form or a part count past its limit with 413 naming the setting", async () => {
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

describe("binary uploads, held by reference while their run lasts", () => {
  it("hands a binary file to the pipeline as name, type, size, sha256 and ref, and the bytes are in the store until the run ends", async () => {
    const answer = await curlForm("/described/run", ["doc=@image.png;type=image/png"]);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const about = (answer.body as { result: { about: string } }).result.about;
    const sha = createHash("sha256").update(png).digest("hex");
    const [name, type, size, digest, ref] = about.split(" ");
    expect({ name, type, size, digest }).toEqual({ name: "image.png", type: "image/png", size: String(png.length), digest: sha });
    expect(ref).toMatch(/^upl_[0-9a-f]{32}\.0$/);
    // Removed once the run answered.
    expect(await uploads.names()).toEqual([]);
    expect(await uploads.read(ref ?? "", 1024)).toBeUndefined();
  });

  it("removes the bytes when the run fails and when the client goes away mid-run", async () => {
    const failed = await curlForm("/failing/run", ["doc=@image.png"]);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await uploads.names()).toEqual([]);

    const form = new FormData();
    form.append("doc", new Blob([png], { type: "image/png" }), "image.png");
    const controller = new AbortController();
    const pending = fetch(`${url}/slowly/run`, { method: "POST", headers: apiKeyHeaders(), body: form, signal: controller.signal });
    // While the run waits on its model, the upload is held, readable by its ref, byte for byte.
    await expect.poll(() => uploads.names(), { timeout: 10_000 }).toHaveLength(1);
    const [held] = await uploads.names();
    expect(Buffer.from((await uploads.read(held ?? "", 1024)) ?? [])).toEqual(png);
    expect(await uploads.read(held ?? "", 4)).toBeUndefined();
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => uploads.names(), { timeout: 10_000 }).toEqual([]);
    // The cancelled run's model call was closed too.
    await expect.poll(() => upstream.requests.find((request) => request.model === "slow")?.socketClosedAt).toBeDefined();
  });

  it("lets a code pipeline read a binary upload's bytes by its ref, and only its own run's", async () => {
    const wrapper = [
      'export const inputs = { doc: { type: "file" }, other: { type: "string", default: "" } };',
      "export async function runApi(inputs: { doc: unknown; other: string }, ctx: any) {",
      "  const bytes: Uint8Array = await ctx.files.read(inputs.doc);",
      "  let foreign = 'not tried';",
      "  if (inputs.other) foreign = await ctx.files.read(inputs.other).then(() => 'read', (error: Error) => error.message);",
      "  return { size: bytes.length, head: Array.from(bytes.slice(0, 4)), foreign };",
      "}",
    ].join("\n");
    const deployed = await requestJson(`${url}/deploy_files`, { body: { name: "bytes", files: { "pipeline_wrapper.ts": wrapper } } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
    const read = await curlForm("/bytes/run", ["doc=@image.png;type=image/png", 'other="upl_00000000000000000000000000000000.0"']);
    expect(read).toEqual({
      status: 200,
      body: {
        result: { size: png.length, head: [0x89, 0x50, 0x4e, 0x47], foreign: expect.stringContaining("is not an upload of this run") },
      },
    });
    expect(await uploads.names()).toEqual([]);
    // A text file reads as its UTF-8 bytes.
    expect((await curlForm("/bytes/run", ["doc=@a.txt"])).body).toMatchObject({ result: { size: 5, head: [0x61, 0x6c, 0x70, 0x68] } });
  });
});
