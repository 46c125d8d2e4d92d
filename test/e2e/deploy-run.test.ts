import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
let url: string;

beforeAll(async () => {
  system = await startSystem();
  url = system.url();
});
afterAll(async () => {
  await system?.stop();
});

const deploy = (body: Record<string, unknown>) => requestJson(`${url}/deploy-yaml`, { body });

describe("deploy and run (Hayhooks API)", () => {
  it("deploys, runs, refuses a second deploy, overwrites, and undeploys", async () => {
    const deployed = await deploy({ name: "hello", source_code: greetYaml() });
    expect(deployed.status).toBe(200);
    expect(deployed.body).toEqual({
      status: "success",
      message: "Pipeline 'hello' deployed successfully",
      name: "hello",
      success: true,
      endpoint: "/hello/run",
    });

    const run = await requestJson(`${url}/hello/run`, { body: { name: "Ada" } });
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ result: { text: "Hello, Ada x1" } });

    expectError(await deploy({ name: "hello", source_code: greetYaml("Hi") }), 409, "conflict");
    const stillOld = await requestJson(`${url}/hello/run`, { body: { name: "Ada", times: 2 } });
    expect(stillOld.body).toEqual({ result: { text: "Hello, Ada x2" } });

    expect((await deploy({ name: "hello", source_code: greetYaml("Hi"), overwrite: true })).status).toBe(200);
    const renewed = await requestJson(`${url}/hello/run`, { body: { name: "Ada" } });
    expect(renewed.body).toEqual({ result: { text: "Hi, Ada x1" } });

    const status = await requestJson(`${url}/status/hello`);
    expect(status.body).toEqual({ status: "Up!", pipeline: "hello" });

    const undeployed = await requestJson(`${url}/undeploy/hello`, { method: "POST" });
    expect(undeployed.body).toEqual({
      status: "success",
      message: "Pipeline 'hello' undeployed successfully",
      success: true,
      name: "hello",
    });
    expectError(await requestJson(`${url}/hello/run`, { body: { name: "Ada" } }), 404, "not_found");
    expectError(await requestJson(`${url}/status/hello`), 404, "not_found");
    expectError(await requestJson(`${url}/undeploy/hello`, { method: "POST" }), 404, "not_found");
  });

  it("refuses invalid definitions with 422 naming the problem, and stores nothing", async () => {
    const before = await requestJson(`${url}/status`);
    const cases: [string, string, RegExp][] = [
      ["bad-yaml", "name: x\ncomponents: [unclosed", /invalid YAML/],
      [
        "bad-type",
        "components:\n  a: { type: teleport }\noutputs:\n  text: a.text\n",
        /components\.a has unknown component type 'teleport'/,
      ],
      [
        "dangling",
        "components:\n  a: { type: template, template: hi }\n  b: { type: llm, prompt: ghost.text }\noutputs:\n  text: b.text\n",
        /dangling reference.*ghost/,
      ],
      [
        "cyclic",
        "components:\n  a: { type: llm, prompt: b.text }\n  b: { type: llm, prompt: a.text }\noutputs:\n  text: a.text\n",
        /cycle: a -> b -> a/,
      ],
      [
        "bad-model",
        "components:\n  a: { type: template, template: hi }\n  b: { type: llm, model: gpt-nowhere, prompt: a.text }\noutputs:\n  text: b.text\n",
        /unknown model alias 'gpt-nowhere'/,
      ],
      ["bad-output", "components:\n  a: { type: template, template: hi }\noutputs:\n  text: a.usage\n", /has no output 'usage'/],
      [
        "bad-template",
        "components:\n  a: { type: template, template: '{{ who }}' }\noutputs:\n  text: a.text\n",
        /'who'.*neither an input nor a component/,
      ],
    ];
    for (const [name, source, message] of cases) {
      const error = expectError(await deploy({ name, source_code: source }), 422, "invalid_definition");
      expect(error.message, name).toMatch(message);
    }
    expect((await requestJson(`${url}/status`)).body).toEqual(before.body);
  });

  it("answers bad run input with 4xx errors in the documented shape", async () => {
    await deploy({ name: "typed", source_code: greetYaml(), overwrite: true });
    const missing = expectError(await requestJson(`${url}/typed/run`, { body: {} }), 422, "invalid_input");
    expect(missing.param).toBe("name");
    expect(missing.message).toMatch(/missing required input 'name'/);

    const wrongType = expectError(await requestJson(`${url}/typed/run`, { body: { name: "Ada", times: "twice" } }), 422, "invalid_input");
    expect(wrongType.param).toBe("times");
    expect(wrongType.message).toMatch(/must be of type integer/);

    const unknown = expectError(await requestJson(`${url}/typed/run`, { body: { name: "Ada", nmae: "x" } }), 422, "invalid_input");
    expect(unknown.message).toMatch(/unknown input 'nmae'/);

    const malformed = expectError(
      await requestJson(`${url}/typed/run`, { rawBody: '{"name": "Ada"', headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    expect(malformed.message).toMatch(/not valid JSON/);

    const huge = JSON.stringify({ name: "x".repeat(5 * 1024 * 1024) });
    expectError(
      await requestJson(`${url}/typed/run`, { rawBody: huge, headers: { "content-type": "application/json" } }),
      413,
      "payload_too_large",
    );

    expectError(await requestJson(`${url}/typed/run`, { rawBody: "name=Ada", headers: { "content-type": "text/plain" } }), 415);
    expectError(await requestJson(`${url}/typed/run`, { body: ["Ada"] }), 400, "invalid_request");
    // The pipeline is untouched by all of that.
    expect((await requestJson(`${url}/typed/run`, { body: { name: "Ada" } })).status).toBe(200);
  });

  it("deploys from files, and serves the native /v1/pipelines API", async () => {
    const files = await requestJson(`${url}/deploy_files`, {
      body: { name: "from-files", files: { "pipeline.yaml": greetYaml("Hey"), "notes.txt": "kept" }, save_files: true },
    });
    expect(files.body).toEqual({
      status: "success",
      message: "Pipeline 'from-files' deployed successfully",
      name: "from-files",
      success: true,
      endpoint: "/from-files/run",
    });
    expectError(await requestJson(`${url}/deploy_files`, { body: { name: "no-def", files: { "a.txt": "x" } } }), 422);

    const created = await requestJson(`${url}/v1/pipelines`, { body: { name: "native", source: greetYaml("Yo") } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "native", kind: "pipeline", version: 1 });

    const yaml = await requestJson(`${url}/v1/pipelines/native`, {
      method: "PUT",
      rawBody: greetYaml("Oi"),
      headers: { "content-type": "application/yaml" },
    });
    expect(yaml.status).toBe(200);
    expect(yaml.body).toMatchObject({ name: "native", version: 2 });

    const got = await requestJson(`${url}/v1/pipelines/native`);
    expect(got.body).toMatchObject({
      name: "native",
      version: 2,
      endpoint: "/native/run",
      inputs_schema: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, times: { type: "integer", default: 1 } },
      },
    });
    const run = await requestJson(`${url}/v1/pipelines/native/run`, { body: { name: "Bo" } });
    expect(run.body).toEqual({ result: { text: "Oi, Bo x1" } });

    const page = await requestJson(`${url}/v1/pipelines?limit=1&offset=1`);
    const all = await requestJson(`${url}/v1/pipelines`);
    const names = (all.body as { items: { name: string }[] }).items.map((item) => item.name);
    expect(page.body).toMatchObject({ total: names.length, items: [{ name: names[1] }] });
    expectError(await requestJson(`${url}/v1/pipelines?limit=0`), 400, "invalid_request");

    expect((await requestJson(`${url}/v1/pipelines/native`, { method: "DELETE" })).status).toBe(204);
    expectError(await requestJson(`${url}/v1/pipelines/native`), 404, "not_found");
    expectError(await requestJson(`${url}/nowhere/at/all`), 404, "not_found");
  });

  it("runs a pipeline that calls other pipelines, with independent branches", async () => {
    await deploy({
      name: "upper",
      source_code: "inputs: { s: {} }\ncomponents:\n  t: { type: template, template: 'U({{ s }})' }\noutputs:\n  text: t.text\n",
    });
    await deploy({
      name: "fan",
      source_code: [
        "inputs: { s: {} }",
        "components:",
        "  left: { type: pipeline, pipeline: upper, inputs: { s: inputs.s } }",
        "  right: { type: llm, model: echo, prompt: left.text }",
        "  join: { type: template, template: '{{ left.text }}+{{ right.text }}' }",
        "outputs:",
        "  text: join.text",
        "  usage: right.usage",
      ].join("\n"),
    });
    const run = await requestJson(`${url}/fan/run`, { body: { s: "a b" } });
    expect(run.body).toMatchObject({ result: { text: "U(a b)+U(a b)" } });
    // The echo provider reports no usage, so it is counted with the tokenizer.
    const usage = (run.body as { result: { usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } } }).result
      .usage;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const self = expectError(
      await deploy({
        name: "upper",
        overwrite: true,
        source_code: "components:\n  c: { type: pipeline, pipeline: fan }\noutputs:\n  text: c.text\n",
      }),
      422,
    );
    expect(self.message).toMatch(/cycle: upper -> fan -> upper/);
  });
});
