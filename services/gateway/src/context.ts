import type { Endpoint } from "@switchyard/contracts";
import type { Bus } from "@switchyard/nats";
import type { Logger, Tracer } from "@switchyard/telemetry";
import type { z } from "zod";
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
    options?: { token?: string },
  ): Promise<z.output<Res>>;
  runs: RunApi;
  logger: Logger;
  tracer: Tracer;
}
