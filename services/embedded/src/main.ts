// `pnpm start`: the whole system on one machine. Infrastructure from NATS_URL/REDIS_URL or
// local binaries, then every service as its own process with prefixed logs.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSubjects, endpoints } from "@switchyard/contracts";
import { type StartedPlan, startPlan } from "@switchyard/local";
import { call, connectNats } from "@switchyard/nats";
import { loadEmbeddedConfig } from "./config.ts";
import { type Endpoint, ensureNats, ensureRedis, MissingBinaryError } from "./infrastructure.ts";
import { formatLine } from "./log-lines.ts";
import { localSecretKey } from "./secret-key.ts";
import { supervise } from "./supervise.ts";

const config = loadEmbeddedConfig(process.env);
const color = process.stdout.isTTY === true;
const say = (line: string) => process.stdout.write(`${formatLine("system", line, color)}\n`);
const infrastructure: Endpoint[] = [];
let plan: StartedPlan | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping…");
    // Reverse order: gateways first, infrastructure last.
    await plan?.stop();
    for (const endpoint of infrastructure.reverse()) await endpoint.server?.stop();
    say("stopped");
  }
  process.exit(code);
}

process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));

try {
  const nats = await ensureNats(config.NATS_URL, config.SWITCHYARD_DATA_DIR, say);
  infrastructure.push(nats);
  const redis = await ensureRedis(config.REDIS_URL, config.SWITCHYARD_DATA_DIR, say);
  infrastructure.push(redis);
  say(`NATS ${nats.url}${nats.server ? " (local)" : ""} · Redis ${redis.url}${redis.server ? " (local)" : ""}`);

  const shellEnv = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  // Model and log settings pass through; nothing else of this shell's environment does.
  const passThrough = Object.fromEntries(
    Object.entries(shellEnv).filter(([name]) =>
      /^(PATH$|HOME$|OPENAI_|SWITCHYARD_MODELS$|SWITCHYARD_SUBJECT_PREFIX$|SWITCHYARD_AUTH|LOG_LEVEL$|OTEL_|EXECUTOR_|EXECUTIONS_|SCHEDULER_|GATEWAY_|SESSION_|MCP_|ACCESS_)/.test(
        name,
      ),
    ),
  );
  plan = await startPlan({
    // Built (`pnpm start` runs dist/main.js), the services run built too; from source, from source.
    compiled: fileURLToPath(import.meta.url).endsWith(".js"),
    env: { ...passThrough, NATS_URL: nats.url, REDIS_URL: redis.url },
    services: {
      access: {
        env: {
          SWITCHYARD_SECRET_KEY: localSecretKey(config.SWITCHYARD_SECRET_KEY, config.SWITCHYARD_DATA_DIR),
          ...(config.SWITCHYARD_ADMIN_KEY ? { SWITCHYARD_ADMIN_KEY: config.SWITCHYARD_ADMIN_KEY } : {}),
        },
      },
      // The mcp service alone sees this shell's whole environment: MCP server entries may name
      // secrets as ${NAME}, and it passes a server only what its entry declares.
      mcp: { env: { ...shellEnv, ...(existsSync(config.MCP_CONFIG_PATH) ? { MCP_CONFIG_PATH: config.MCP_CONFIG_PATH } : {}) } },
      session: {},
      registry: { env: { SWITCHYARD_PIPELINES_DIR: config.SWITCHYARD_PIPELINES_DIR } },
      executor: { count: config.SWITCHYARD_EXECUTORS },
      scheduler: {},
      gateway: { env: { GATEWAY_HOST: config.GATEWAY_HOST, GATEWAY_PORT: String(config.GATEWAY_PORT) } },
    },
    onLine: (service, line) => process.stdout.write(`${formatLine(service, line, color)}\n`),
  });
  const { processes } = plan;
  for (const started of Object.values(processes).flat()) {
    supervise(plan, started, { say, stopping: () => stopping, onCleanExit: () => void stopAll(0) });
  }

  // The first admin key, when there is no admin yet: made by the access service, shown here once.
  const bus = {
    nats: await connectNats({ url: nats.url, name: "switchyard-launcher" }),
    subjects: createSubjects(plan.env.SWITCHYARD_SUBJECT_PREFIX),
  };
  const bootstrap = await call(bus, endpoints.accessBootstrap, {}, { timeoutMs: 10_000 });
  await bus.nats.close();
  const keyLines = bootstrap.secret
    ? [
        `  API key     export SWITCHYARD_API_KEY=${bootstrap.secret}`,
        "              (an admin key, shown this once: keep it; every route but health and login needs a key)",
      ]
    : [
        `  API key     ${config.SWITCHYARD_ADMIN_KEY ? "the one in SWITCHYARD_ADMIN_KEY" : "an admin key was made on an earlier start"}: export it as SWITCHYARD_API_KEY`,
      ];
  const models = processes.executor[0]?.ready.models ?? [];
  const defaultModel = models.find((line) => line.startsWith("default:")) ?? "default: unknown";
  const host = config.GATEWAY_HOST === "0.0.0.0" ? "127.0.0.1" : config.GATEWAY_HOST;
  const base = `http://${host}:${String(processes.gateway[0]?.ready.port)}`;
  const grpcPort = (service: "registry" | "mcp" | "session") => String(processes[service][0]?.ready.grpcPort);
  const banner = [
    "",
    "Switchyard is up.",
    `  gateway     ${base}   (status: ${base}/status, ready: ${base}/readyz)`,
    `  services    registry gRPC ${grpcPort("registry")} · mcp gRPC ${grpcPort("mcp")} · session gRPC ${grpcPort("session")} · executors: ${processes.executor.length} · schedulers: ${processes.scheduler.length}`,
    `  MCP server  ${base}/mcp (Streamable HTTP), ${base}/sse (legacy)`,
    `  model       ${defaultModel}`,
    `  pipelines   ${config.SWITCHYARD_PIPELINES_DIR}`,
    ...keyLines,
    "",
    "Try:",
    `  curl -s ${base}/greet/run -H "x-api-key: $SWITCHYARD_API_KEY" -H 'content-type: application/json' -d '{"name":"Ada"}'`,
    "",
    "Ctrl-C stops everything.",
    "",
  ];
  process.stdout.write(`${banner.join("\n")}\n`);
} catch (error) {
  if (error instanceof MissingBinaryError) say(error.message);
  else say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
