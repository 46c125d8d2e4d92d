import { requestJson, startSystem, type TestSystem } from "@switchyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll } from "./chat-helpers.ts";
import { waitForStatus } from "./execution-helpers.ts";
import { expectError, greetYaml } from "./helpers.ts";

let system: TestSystem;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  system = await startSystem({ executors: 2, schedulers: 2, env: { SCHEDULER_GRACE_MS: "3000" } });
  await deployAll(system.url(), {
    hello: greetYaml(),
    ticker: greetYaml().replace("name: hello", "name: ticker"),
    catchup: greetYaml().replace("name: hello", "name: catchup"),
    skipper: greetYaml().replace("name: hello", "name: skipper"),
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

interface ScheduleBody {
  id: string;
  status: string;
  nextFireAt?: string;
  upcoming: string[];
  runCount: number;
  lastExecutionId?: string;
}

interface Listed {
  items: { id: string; scheduledFor?: string; scheduleId?: string; status: string }[];
  total: number;
}

const executionsOf = async (pipeline: string) =>
  ((await requestJson(`${system.url()}/v1/executions?pipeline=${pipeline}&limit=1000`)).body as Listed).items;

describe("schedules", () => {
  it("creates, lists with next fire times, pauses, resumes, runs now, updates and deletes", async () => {
    const created = await requestJson(`${system.url()}/v1/schedules`, {
      body: { name: "nightly", pipeline: "hello", inputs: { name: "Cron" }, trigger: { cron: "0 3 * * *", timezone: "Europe/Paris" } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const schedule = created.body as ScheduleBody;
    expect(schedule.status).toBe("active");
    expect(schedule.upcoming).toHaveLength(5);
    // 03:00 in Paris is 01:00 or 02:00 UTC, depending on the season.
    for (const time of schedule.upcoming) expect(new Date(time).getUTCHours()).toBeOneOf([1, 2]);
    expect(schedule.nextFireAt).toBe(schedule.upcoming[0]);

    const listed = (await requestJson(`${system.url()}/v1/schedules`)).body as { items: ScheduleBody[] };
    expect(listed.items.map((item) => item.id)).toContain(schedule.id);

    const paused = await requestJson(`${system.url()}/v1/schedules/${schedule.id}/pause`, { method: "POST" });
    expect(paused.body).toMatchObject({ status: "paused", upcoming: [] });
    expectError(await requestJson(`${system.url()}/v1/schedules/${schedule.id}/pause`, { method: "POST" }), 400, "invalid_request");
    const resumed = await requestJson(`${system.url()}/v1/schedules/${schedule.id}/resume`, { method: "POST" });
    expect(resumed.body).toMatchObject({ status: "active" });

    const ran = await requestJson(`${system.url()}/v1/schedules/${schedule.id}/run`, { method: "POST" });
    expect(ran.status).toBe(202);
    const executionId = (ran.body as { execution_id: string }).execution_id;
    expect((await waitForStatus(system.url(), executionId, "succeeded")).result).toEqual({ text: "Hello, Cron x1" });

    const updated = await requestJson(`${system.url()}/v1/schedules/${schedule.id}`, {
      method: "PATCH",
      body: { trigger: { interval_seconds: 3600 } },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const hourly = updated.body as ScheduleBody;
    const gaps = hourly.upcoming.slice(1).map((time, index) => Date.parse(time) - Date.parse(hourly.upcoming[index] ?? ""));
    expect(gaps).toEqual([3_600_000, 3_600_000, 3_600_000, 3_600_000]);

    expect((await requestJson(`${system.url()}/v1/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(204);
    expectError(await requestJson(`${system.url()}/v1/schedules/${schedule.id}`), 404, "not_found");
  });

  it("refuses a bad cron pattern or time zone with 422 and stores nothing", async () => {
    const before = ((await requestJson(`${system.url()}/v1/schedules`)).body as { total: number }).total;
    for (const trigger of [{ cron: "61 * * * *" }, { cron: "* * * * *", timezone: "Mars/Olympus" }]) {
      expectError(
        await requestJson(`${system.url()}/v1/schedules`, { body: { name: "bad", pipeline: "hello", trigger } }),
        422,
        "invalid_input",
      );
    }
    expect(((await requestJson(`${system.url()}/v1/schedules`)).body as { total: number }).total).toBe(before);
  });

  it("fires every second for 30 s on two replicas: one execution per tick, none twice, none missed when a replica is killed", async () => {
    const created = await requestJson(`${system.url()}/v1/schedules`, {
      body: { name: "every-second", pipeline: "ticker", inputs: { name: "Tick" }, trigger: { interval_seconds: 1 } },
    });
    const schedule = created.body as ScheduleBody;
    const startedAt = Date.now();
    await sleep(15_000);
    await system.schedulers[0]?.kill();
    await sleep(15_000);
    await requestJson(`${system.url()}/v1/schedules/${schedule.id}/pause`, { method: "POST" });
    const elapsed = Date.now() - startedAt;
    await sleep(1500);
    const runs = await executionsOf("ticker");
    const ticks = runs.map((run) => Date.parse(run.scheduledFor ?? "")).sort((a, b) => a - b);
    expect(new Set(ticks).size).toBe(ticks.length);
    const gaps = ticks.slice(1).map((tick, index) => tick - (ticks[index] ?? 0));
    expect(gaps.filter((gap) => gap !== 1000)).toEqual([]);
    expect(Math.abs(ticks.length - Math.floor(elapsed / 1000))).toBeLessThanOrEqual(1);
    expect(ticks.length).toBeGreaterThanOrEqual(29);
    console.log(
      `schedule: ${ticks.length} executions in ${(elapsed / 1000).toFixed(1)} s, one replica killed at 15 s, no tick twice, none missed`,
    );
    await system.startScheduler();
  }, 90_000);

  it("follows each schedule's policy for ticks missed while no scheduler ran: skip, or run once", async () => {
    const make = async (pipeline: string, missed: string) =>
      (
        await requestJson(`${system.url()}/v1/schedules`, {
          body: { name: pipeline, pipeline, inputs: { name: "Late" }, trigger: { interval_seconds: 5 }, missed },
        })
      ).body as ScheduleBody & { createdAt: string };
    const skipping = await make("skipper", "skip");
    const catching = await make("catchup", "run_once");
    // Every scheduler goes down before the first tick (at 5 s).
    await Promise.all(system.schedulers.map((scheduler) => scheduler.kill()));
    const anchor = Date.parse(skipping.createdAt);
    expect(anchor, JSON.stringify(skipping)).toBeGreaterThan(0);
    // Everything that fires is down past two ticks (at 5 and 10 s), well past the 3 s grace.
    await sleep(anchor + 12_000 - Date.now());
    await system.startScheduler();
    const readyAt = Date.now();
    // Stop both halfway between ticks, a second or more after the restart: they have fired the same ticks since.
    let pauseAt = anchor + 2500;
    while (pauseAt < readyAt + 1000) pauseAt += 5000;
    await sleep(pauseAt - Date.now());
    for (const { id } of [skipping, catching]) await requestJson(`${system.url()}/v1/schedules/${id}/pause`, { method: "POST" });
    await sleep(1000);
    const skipped = (await executionsOf("skipper")).map((run) => Date.parse(run.scheduledFor ?? ""));
    const caught = (await executionsOf("catchup")).map((run) => Date.parse(run.scheduledFor ?? ""));
    expect(skipped.filter((tick) => tick < readyAt - 1000)).toEqual([]);
    // `run_once` ran one execution for the latest missed tick (10 s); `skip` ran none for either.
    expect(caught.filter((tick) => tick < readyAt - 1000)).toHaveLength(1);
    expect(caught.length - skipped.length).toBe(1);
  }, 60_000);
});

describe("Pipelit's executions and schedules", () => {
  const pipelit = (path: string, init: { method?: string; body?: unknown } = {}) =>
    requestJson(`${system.url()}/api/v1${path}`, {
      auth: false,
      headers: { authorization: `Bearer ${system.adminKey}` },
      ...(init.method ? { method: init.method } : {}),
      ...(init.body === undefined ? {} : { body: init.body }),
    });

  it("lists, details and cancels executions in Pipelit's shapes", async () => {
    const submitted = await requestJson(`${system.url()}/v1/pipelines/hello/runs`, { body: { name: "Pipelit" } });
    const id = (submitted.body as { id: string }).id;
    await waitForStatus(system.url(), id, "succeeded");
    const listed = await pipelit("/executions/?workflow_slug=hello&status=completed");
    expect(listed.status).toBe(200);
    const page = listed.body as { items: Record<string, unknown>[]; total: number };
    expect(page.total).toBeGreaterThan(0);
    expect(page.items.find((item) => item.execution_id === id)).toMatchObject({
      workflow_slug: "hello",
      status: "completed",
      error_message: "",
      total_tokens: 0,
    });
    const detail = await pipelit(`/executions/${id}/`);
    expect(detail.body).toMatchObject({
      execution_id: id,
      final_output: { text: "Hello, Pipelit x1" },
      trigger_payload: { name: "Pipelit" },
      logs: [],
    });
    // A finished execution is returned unchanged by cancel, as Pipelit does.
    expect((await pipelit(`/executions/${id}/cancel/`, { method: "POST" })).body).toMatchObject({ status: "completed" });
    const missing = await pipelit("/executions/exe_000000000000000000000000/");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ detail: "Execution not found." });
    expect((await pipelit("/executions/?status=interrupted")).body).toEqual({ items: [], total: 0 });
  });

  it("creates, lists, changes, pauses, resumes and deletes scheduled jobs in Pipelit's shapes", async () => {
    const created = await pipelit("/schedules/", {
      body: { name: "pipelit-job", workflow_id: "hello", interval_seconds: 300, trigger_payload: { name: "Job" }, total_repeats: 0 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const job = created.body as Record<string, unknown> & { id: string };
    expect(job).toMatchObject({
      name: "pipelit-job",
      workflow_id: "hello",
      interval_seconds: 300,
      status: "active",
      run_count: 0,
      last_error: "",
    });
    expect(typeof job.next_run_at).toBe("string");
    expect((await pipelit("/schedules/?status=active")).body).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ id: job.id })]),
    });
    expect((await pipelit(`/schedules/${job.id}/`, { method: "PATCH", body: { interval_seconds: 600 } })).body).toMatchObject({
      interval_seconds: 600,
    });
    expect((await pipelit(`/schedules/${job.id}/pause/`, { method: "POST" })).body).toMatchObject({ status: "paused", next_run_at: null });
    const again = await pipelit(`/schedules/${job.id}/pause/`, { method: "POST" });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ detail: "Cannot pause job with status 'paused'." });
    expect((await pipelit(`/schedules/${job.id}/resume/`, { method: "POST" })).body).toMatchObject({ status: "active" });
    expect((await pipelit("/schedules/", { body: { name: "x", workflow_id: "nothing-here", interval_seconds: 5 } })).body).toMatchObject({
      detail: "Workflow not found.",
    });
    expect((await pipelit(`/schedules/${job.id}/`, { method: "DELETE" })).status).toBe(204);
    const gone = await pipelit(`/schedules/${job.id}/`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ detail: "Scheduled job not found." });
  });
});
