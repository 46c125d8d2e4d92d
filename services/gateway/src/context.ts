import type { Endpoint } from "@switchyard/contracts";
import type { Bus, UploadStore } from "@switchyard/nats";
import type { Logger, Registry, Tracer } from "@switchyard/telemetry";
import type { z } from "zod";
import type { PrincipalCache } from "./access/principals.ts";
import type { GatewayConfig } from "./config.ts";
import type { RunApi } from "./core/run-client.ts";

/** What every face needs: the configuration, typed calls to the core, and runs. */
export interface GatewayContext {
  config: GatewayConfig;
  bus: Bus;
  /** Calls a core endpoint (registry, mcp, session) with the request timeout; `token` addresses one instance. */
  call<Req extends z.ZodType, Res extends z.ZodType>(
    endpoint: Endpoint<Req, Res>,
    payload: z.input<Req>,
    options?: { token?: string; timeoutMs?: number },
  ): Promise<z.output<Res>>;
  runs: RunApi;
  /** Binary uploads of runs in progress (a JetStream object store). */
  uploads: UploadStore;
  /** Who a key is, cached and invalidated by the access service's change events. */
  access: PrincipalCache;
  logger: Logger;
  tracer: Tracer;
  /** The gateway's Prometheus registry (served at `/metrics` and AgentSpec's `/v1/metrics`). */
  metrics: Registry;
}
