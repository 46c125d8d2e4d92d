import type { Subjects } from "@switchyard/contracts";
import type { NatsConnection } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { GatewayConfig } from "./config.ts";
import type { McpApi } from "./mcp-client.ts";
import type { RegistryApi } from "./registry-client.ts";
import type { RunApi } from "./run-client.ts";
import type { SessionApi } from "./session-client.ts";

/** What every route needs. */
export interface GatewayContext {
  config: GatewayConfig;
  nats: NatsConnection;
  subjects: Subjects;
  registry: RegistryApi;
  mcp: McpApi;
  sessions: SessionApi;
  runs: RunApi;
  logger: Logger;
  tracer: Tracer;
}
