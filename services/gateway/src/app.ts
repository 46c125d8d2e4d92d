import express, { type Express } from "express";
import type { GatewayContext } from "./context.ts";
import { errorMiddleware, notFoundHandler } from "./http-errors.ts";
import { guardOptions, hostAndOriginGuard } from "./http-guard.ts";
import { agUiRoutes } from "./routes/ag-ui.ts";
import { agentRoutes } from "./routes/agents.ts";
import { chatRoutes } from "./routes/chat.ts";
import { healthRoutes } from "./routes/health.ts";
import { mcpEndpointRoutes } from "./routes/mcp-endpoint.ts";
import { mcpServerRoutes } from "./routes/mcp-servers.ts";
import { hayhooksRoutes, pipelineRoutes } from "./routes/pipelines.ts";
import { tracingMiddleware } from "./tracing-middleware.ts";

const yamlTypes = ["application/yaml", "application/x-yaml", "text/yaml"];

/** The gateway's HTTP app: parsing and limits first, then routes, then the one error handler. */
export function createGatewayApp(context: GatewayContext): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(tracingMiddleware(context.tracer));
  // Probes come with whatever Host the orchestrator uses, and health reveals nothing: before the guard.
  app.use(healthRoutes(context));
  const { GATEWAY_HOST, GATEWAY_ALLOWED_HOSTS, GATEWAY_ALLOWED_ORIGINS } = context.config;
  app.use(hostAndOriginGuard(guardOptions(GATEWAY_HOST, GATEWAY_ALLOWED_HOSTS, GATEWAY_ALLOWED_ORIGINS)));
  app.use(express.json({ limit: context.config.GATEWAY_BODY_LIMIT_BYTES, strict: true }));
  app.use(express.text({ limit: context.config.GATEWAY_BODY_LIMIT_BYTES, type: yamlTypes }));
  app.use("/v1/pipelines", pipelineRoutes(context));
  app.use("/v1/mcp/servers", mcpServerRoutes(context));
  app.use("/v1/agents", agentRoutes(context));
  app.use("/v1/ag-ui", agUiRoutes(context));
  app.use(mcpEndpointRoutes(context));
  app.use(chatRoutes(context));
  app.use(hayhooksRoutes(context));
  app.use(notFoundHandler);
  app.use(errorMiddleware(context.logger));
  return app;
}
