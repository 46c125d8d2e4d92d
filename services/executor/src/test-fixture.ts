import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { commonEnv, createModelCatalog, parseEnv } from "@switchyard/config";
import {
  createSubjects,
  type DefinitionKind,
  endpoints,
  type JsonObject,
  type RunAccepted,
  type RunEvent,
  type RunReply,
  type RunRequest,
  readLinkedEvent,
  runLimits,
} from "@switchyard/contracts";
import { AppError, fromWire } from "@switchyard/errors";
import type { AccessGrpcClient, McpGrpcClient, RegistryGrpcClient, SessionGrpcClient } from "@switchyard/grpc";
import { connectNats, decodeBatch, encodeJson, type NatsConnection } from "@switchyard/nats";
import { createLogger, createMetrics, initTelemetry, type Logger } from "@switchyard/telemetry";
import { executorEnv } from "./config.ts";
import { createExecutor, type Executor } from "./executor.ts";

/**
 * Test-only: one executor made by `createExecutor` on a real NATS connection, with the
 * registry, mcp, session and access peers played in process, and a second connection that
 * plays the gateway (requests runs, reads their events, grants credit as a gateway does).
 */
export interface ExecutorFixtureOptions {
  natsUrl: string;
  /** Where the executor connects, when not `natsUrl` (through a proxy the test can cut). */
  executorNatsUrl?: string;
  /** Definitions the registry knows, by name. */
  definitions: Record<string, { kind?: DefinitionKind; document: JsonObject }>;
  /** The executor's environment (model aliases, limits); defaults fill the rest. */
  env?: Record<string, string>;
  /** Credential values the access service holds, by name. */
  credentials?: Record<string, string>;
  logger?: Logger;
}

export interface TestRun {
  runId: string;
  accepted: Promise<RunAccepted>;
  events: RunEvent[];
  /** The run's `done` or `error` event. */
  end: Promise<Extract<RunEvent, { type: "done" | "error" }>>;
  /** Stops granting credit, as a gateway that lost its connection would; returns when the last grant went out. */
  stopCredit(): number;
}

export interface ExecutorFixture {
  executor: Executor;
  executorNats: NatsConnection;
  gatewayNats: NatsConnection;
  run(request: Partial<RunRequest> & { name: string }): TestRun;
  close(): Promise<void>;
}

const telemetry = initTelemetry({ serviceName: "executor-test" });

const unused = (what: string) => () => Promise.reject(new AppError("internal", `the test fixture has no ${what}`));

export async function startExecutorFixture(options: ExecutorFixtureOptions): Promise<ExecutorFixture> {
  const subjects = createSubjects("sy");
  const env = { NATS_URL: options.natsUrl, ...options.env };
  const config = parseEnv({ ...commonEnv, ...executorEnv }, env);
  const executorNats = await connectNats({ url: options.executorNatsUrl ?? options.natsUrl, name: "test-executor" });
  const gatewayNats = await connectNats({ url: options.natsUrl, name: "test-gateway" });
  const registry: RegistryGrpcClient = {
    getDefinition: async (name) => {
      const entry = options.definitions[name];
      if (!entry) throw new AppError("not_found", `definition '${name}' not found`);
      return { name, kind: entry.kind ?? "pipeline", version: 1, description: "", definition: entry.document, deployedAt: "" };
    },
    listDefinitions: unused("definition list"),
    close: () => {},
  };
  const mcp: McpGrpcClient = { listTools: unused("mcp service"), callTool: unused("mcp service"), close: () => {} };
  const sessions: SessionGrpcClient = {
    create: unused("session service"),
    get: unused("session service"),
    append: unused("session service"),
    close: () => {},
  };
  const access: AccessGrpcClient = {
    getCredential: async (name) => {
      const value = options.credentials?.[name];
      if (value === undefined) throw new AppError("not_found", `credential '${name}' not found`);
      return { name, value, updatedAt: new Date(0).toISOString() };
    },
    close: () => {},
  };
  const executor = createExecutor({
    bus: { nats: executorNats, subjects },
    registry,
    mcp,
    sessions,
    access,
    models: createModelCatalog(config, env),
    metrics: createMetrics("executor"),
    config,
    logger: options.logger ?? createLogger({ service: "executor", level: "silent" }),
    tracer: telemetry.tracer,
    instance: "executor-test",
  });
  await executor.start();
  // The gateway's end of the run link: one subscription, replies and events handed to each run by id.
  const gatewayLink = `gateway-${randomUUID()}`;
  const runs = new Map<string, { onEvent(event: RunEvent): void; onReply(reply: RunReply): void }>();
  gatewayNats.subscribe(subjects.link("gateway", gatewayLink), {
    callback: (error, message) => {
      if (error) return;
      for (const item of decodeBatch(message.data) ?? []) {
        const linked = readLinkedEvent(item);
        const run = linked && runs.get(linked.runId);
        const event = linked?.event;
        if (!run || !event) continue;
        if (event.type === "accepted" || event.type === "refused") run.onReply(event);
        else run.onEvent(event);
      }
    },
  });

  return {
    executor,
    executorNats,
    gatewayNats,
    run(request) {
      const runId = request.runId ?? `run-${randomUUID()}`;
      const stream = request.stream ?? false;
      const events: RunEvent[] = [];
      let granted: number = runLimits.creditWindow;
      let finish: (event: Extract<RunEvent, { type: "done" | "error" }>) => void = () => {};
      const end = new Promise<Extract<RunEvent, { type: "done" | "error" }>>((resolve) => {
        finish = resolve;
      });
      let keepGranting: NodeJS.Timeout | undefined;
      let granting = stream;
      // The accept may come in the same message as the run's end (the executor holds it for the first event).
      let ended = false;
      let lastGrantAt = performance.now();
      let executorLink: string | undefined;
      const grant = () => {
        if (executorLink === undefined) return;
        const control = { items: [{ runId, type: "credit", upTo: granted }] };
        gatewayNats.publish(subjects.link("executor", executorLink), encodeJson(control));
        lastGrantAt = performance.now();
      };
      let answer: (reply: RunReply) => void = () => {};
      const answered = new Promise<RunReply>((resolve) => {
        answer = resolve;
      });
      runs.set(runId, {
        onReply: (reply) => answer(reply),
        onEvent: (event) => record(event),
      });
      const record = (event: RunEvent) => {
        events.push(event);
        if (event.type === "done" || event.type === "error") {
          ended = true;
          clearInterval(keepGranting);
          runs.delete(runId);
          finish(event);
        } else if (event.type !== "heartbeat") {
          // Take every event at once: credit stays half a window ahead, as the gateway grants it.
          if (granting && event.seq + runLimits.creditWindow / 2 >= granted) {
            granted = event.seq + 1 + runLimits.creditWindow;
            grant();
          }
        }
      };
      // As a gateway asks: the request on sy.exec.run, the answer on this gateway's link.
      const accepted = gatewayNats.flush().then(async (): Promise<RunAccepted> => {
        const body = { inputs: {}, deadlineMs: 60_000, ...request, runId, stream, gatewayLink };
        gatewayNats.publish(subjects.endpoint(endpoints.execRun), encodeJson(body));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AppError("timeout", "executor did not answer in time")), 5000);
        });
        const reply = await Promise.race([answered, timeout]).finally(() => clearTimeout(timer));
        if (reply.type === "refused") throw fromWire(reply.error);
        return reply;
      });
      accepted.then(
        (reply) => {
          executorLink = reply.link;
          if (granting && !ended) keepGranting = setInterval(grant, runLimits.heartbeatMs);
        },
        () => runs.delete(runId),
      );
      return {
        runId,
        accepted,
        events,
        end,
        stopCredit() {
          granting = false;
          clearInterval(keepGranting);
          return lastGrantAt;
        },
      };
    },
    async close() {
      await executor.stop();
      await gatewayNats.close();
      await executorNats.close();
    },
  };
}

/** What a scripted provider answers one call with. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface ScriptedProvider {
  /** The base URL (ends in /v1). */
  url: string;
  /** Every call: its raw body and Authorization header. */
  calls: { body: string; authorization: string | undefined }[];
  stop(): Promise<void>;
}

/** Test-only: a real local HTTP server standing in for a model provider, answering each call as the test says. */
export async function startScriptedProvider(
  answer: (call: { body: string; authorization: string | undefined }) => ScriptedAnswer,
): Promise<ScriptedProvider> {
  const calls: ScriptedProvider["calls"] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (piece: Buffer) => {
      body += piece.toString("utf8");
    });
    request.on("end", () => {
      const call = { body, authorization: request.headers.authorization };
      calls.push(call);
      const scripted = answer(call);
      response.writeHead(scripted.status, { "content-type": "application/json", ...scripted.headers }).end(scripted.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
