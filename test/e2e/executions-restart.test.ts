import { type Infra, requestJson, startInfra, startSystem, startUpstream, type TestSystem, type Upstream } from "@switchyard/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatPipeline, deployAll, upstreamModels } from "./chat-helpers.ts";
import { type ExecutionView, waitForStatus } from "./execution-helpers.ts";
import { greetYaml } from "./helpers.ts";

// The whole system stopped and started: every service, NATS and Redis (append-only file).
let infra: Infra;
let upstream: Upstream;
let system: TestSystem | undefined;
const env = () => ({ SWITCHYARD_MODELS: upstreamModels(upstream.url), EXECUTIONS_CONCURRENCY: "2" });

beforeAll(async () => {
  upstream = await startUpstream({ slowMs: 500 });
  infra = await startInfra({ persistRedis: true });
});
afterAll(async () => {
  await system?.stop();
  await infra?.stop();
  await upstream?.stop();
});

it("runs the queued executions after a stop and start of everything, and still lists the finished ones with their results", async () => {
  const first = await startSystem({ infra, env: env() });
  system = first;
  await deployAll(first.url(), { hello: greetYaml(), work: chatPipeline("work", "slow") });
  const finished: string[] = [];
  for (const name of ["Ada", "Grace", "Linus"]) {
    const reply = await requestJson(`${first.url()}/v1/pipelines/hello/runs`, { body: { name } });
    finished.push((reply.body as { id: string }).id);
  }
  for (const id of finished) await waitForStatus(first.url(), id, "succeeded");
  const queued: string[] = [];
  for (let index = 0; index < 20; index += 1) {
    const reply = await requestJson(`${first.url()}/v1/pipelines/work/runs`, { body: { text: `queued-${index}` } });
    expect(reply.status).toBe(202);
    queued.push((reply.body as { id: string }).id);
  }
  const waiting = (await requestJson(`${first.url()}/v1/executions?status=queued`)).body as { total: number };
  expect(waiting.total).toBeGreaterThan(10);

  await first.stop();
  system = undefined;
  await infra.stopNats();
  await infra.stopRedis();
  await infra.startRedis();
  await infra.startNats();
  const second = await startSystem({ infra, adminKey: first.adminKey, secretKey: first.secretKey, env: env() });
  system = second;

  const views: ExecutionView[] = [];
  for (const id of queued) views.push(await waitForStatus(second.url(), id, "succeeded", 60_000));
  expect(views.map((view) => view.result)).toEqual(queued.map((_, index) => ({ reply: `echo: queued-${index}` })));
  for (const [index, id] of finished.entries()) {
    const view = (await requestJson(`${second.url()}/v1/executions/${id}`)).body as ExecutionView;
    expect(view).toMatchObject({ status: "succeeded", result: { text: `Hello, ${["Ada", "Grace", "Linus"][index]} x1` } });
  }
  const listed = (await requestJson(`${second.url()}/v1/executions?status=succeeded&limit=1000`)).body as { total: number };
  expect(listed.total).toBe(23);
  console.log(`restart: ${waiting.total} queued when everything stopped; all 20 succeeded after the restart, the 3 finished ones kept`);
}, 180_000);
