// `pnpm start`: the whole system on one machine. Infrastructure from NATS_URL/REDIS_URL or
// local binaries, then every service as its own process with prefixed logs.
import { existsSync } from "node:fs";
import { freePort, type ServiceName, type ServiceProcess, startServiceProcess } from "@switchyard/local";
import { loadEmbeddedConfig } from "./config.ts";
import { type Endpoint, ensureNats, ensureRedis, MissingBinaryError } from "./infrastructure.ts";
import { formatLine } from "./log-lines.ts";

const config = loadEmbeddedConfig();
const color = process.stdout.isTTY === true;
const say = (line: string) => process.stdout.write(`${formatLine("system", line, color)}\n`);
const services: ServiceProcess[] = [];
const endpoints: Endpoint[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping…");
    // Reverse order: gateways first, infrastructure last.
    for (const service of [...services].reverse()) await service.stop();
    for (const endpoint of endpoints.reverse()) await endpoint.server?.stop();
    say("stopped");
  }
  process.exit(code);
}

process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));

async function start(service: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
  const started = await startServiceProcess({
    service,
    env,
    onLine: (line) => process.stdout.write(`${formatLine(service, line, color)}\n`),
  });
  services.push(started);
  started.child.once("exit", (code, signal) => {
    if (stopping) return;
    // Ctrl-C reaches the services too (same process group): a clean exit means "stop".
    const clean = code === 0 || signal === "SIGINT" || signal === "SIGTERM";
    if (!clean) say(`${service} exited unexpectedly (${code ?? signal}); stopping everything`);
    void stopAll(clean ? 0 : 1);
  });
  return started;
}

try {
  const nats = await ensureNats(config.NATS_URL, config.SWITCHYARD_DATA_DIR, say);
  endpoints.push(nats);
  const redis = await ensureRedis(config.REDIS_URL, config.SWITCHYARD_DATA_DIR, say);
  endpoints.push(redis);
  say(`NATS ${nats.url}${nats.server ? " (local)" : ""} · Redis ${redis.url}${redis.server ? " (local)" : ""}`);

  // Model and log settings pass through; nothing else of this shell's environment does.
  const passThrough = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        /^(OPENAI_|SWITCHYARD_MODELS$|SWITCHYARD_SUBJECT_PREFIX$|LOG_LEVEL$|OTEL_|EXECUTOR_|GATEWAY_|SESSION_|MCP_)/.test(entry[0]),
    ),
  );
  const env = {
    ...passThrough,
    NATS_URL: nats.url,
    REDIS_URL: redis.url,
    REGISTRY_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    MCP_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    SESSION_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  // The mcp service alone sees this shell's whole environment: MCP server entries may name
  // secrets as ${NAME}, and it passes a server only what its entry declares.
  const shellEnv = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const mcp = await start("mcp", {
    ...shellEnv,
    ...env,
    ...(existsSync(config.MCP_CONFIG_PATH) ? { MCP_CONFIG_PATH: config.MCP_CONFIG_PATH } : {}),
  });
  const session = await start("session", env);
  const registry = await start("registry", { ...env, SWITCHYARD_PIPELINES_DIR: config.SWITCHYARD_PIPELINES_DIR });
  const executors = await Promise.all(Array.from({ length: config.SWITCHYARD_EXECUTORS }, () => start("executor", env)));
  const gateway = await start("gateway", { ...env, GATEWAY_HOST: config.GATEWAY_HOST, GATEWAY_PORT: String(config.GATEWAY_PORT) });

  const models = (executors[0]?.ready.models as string[] | undefined) ?? [];
  const defaultModel = models.find((line) => line.startsWith("default:")) ?? "default: unknown";
  const host = config.GATEWAY_HOST === "0.0.0.0" ? "127.0.0.1" : config.GATEWAY_HOST;
  const base = `http://${host}:${String(gateway.ready.port)}`;
  const banner = [
    "",
    "Switchyard is up.",
    `  gateway     ${base}   (status: ${base}/status, ready: ${base}/readyz)`,
    `  services    registry gRPC ${String(registry.ready.grpcPort)} · mcp gRPC ${String(mcp.ready.grpcPort)} · session gRPC ${String(session.ready.grpcPort)} · executors: ${executors.length}`,
    `  MCP server  ${base}/mcp (Streamable HTTP), ${base}/sse (legacy)`,
    `  model       ${defaultModel}`,
    `  pipelines   ${config.SWITCHYARD_PIPELINES_DIR}`,
    "",
    "Try:",
    `  curl -s ${base}/greet/run -H 'content-type: application/json' -d '{"name":"Ada"}'`,
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
