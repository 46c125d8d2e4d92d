import express, { type Express, type RequestHandler } from "express";
import { authentication } from "./access/middleware.ts";
import type { GatewayContext } from "./context.ts";
import { a2aRoutes } from "./faces/a2a/routes.ts";
import { agUiRoutes } from "./faces/ag-ui/routes.ts";
import { agentRuntimesAgUiRoutes } from "./faces/agent-runtimes/ag-ui.ts";
import { agentRuntimesConfigureRoutes } from "./faces/agent-runtimes/configure.ts";
import { agentRuntimesConversationRoutes } from "./faces/agent-runtimes/conversations.ts";
import { agentRuntimesMcpLifecycleRoutes } from "./faces/agent-runtimes/mcp-lifecycle.ts";
import { agentRuntimesMcpRoutes } from "./faces/agent-runtimes/mcp-servers.ts";
import { agentRuntimesRoutes } from "./faces/agent-runtimes/routes.ts";
import { docsRoutes } from "./faces/docs/routes.ts";
import { hayhooksRoutes } from "./faces/hayhooks/routes.ts";
import { mcpEndpointRoutes } from "./faces/mcp/routes.ts";
import { accessRoutes } from "./faces/native/access.ts";
import { agentRoutes } from "./faces/native/agents.ts";
import { executionRoutes } from "./faces/native/executions.ts";
import { healthRoutes, metricsRoutes } from "./faces/native/health.ts";
import { mcpServerRoutes } from "./faces/native/mcp-servers.ts";
import { pipelineRoutes } from "./faces/native/pipelines.ts";
import { scheduleRoutes } from "./faces/native/schedules.ts";
import { openAiRoutes } from "./faces/openai/routes.ts";
import { pipelitAuthRoutes } from "./faces/pipelit/auth.ts";
import { pipelitCredentialRoutes } from "./faces/pipelit/credentials.ts";
import { pipelitExecutionRoutes } from "./faces/pipelit/executions.ts";
import { pipelitScheduleRoutes } from "./faces/pipelit/schedules.ts";
import { checkBodyDepth, errorMiddleware, notFoundHandler } from "./http/errors.ts";
import { guardOptions, hostAndOriginGuard, simpleRequestGuard } from "./http/guard.ts";
import { skipOtherPaths } from "./http/path-prefixes.ts";
import { tracingMiddleware } from "./http/tracing.ts";

const yamlTypes = ["application/yaml", "application/x-yaml", "text/yaml"];

/**
 * The gateway's HTTP app: tracing, health, the Host/Origin guard and authentication first
 * (bodies are read only for authenticated requests and the login routes), then each face's
 * routes, each naming its permission (fixed paths before the root's `/{name}/…`
 * catch-alls), then the one error handler.
 */
export function createGatewayApp(context: GatewayContext, metrics?: RequestHandler): Express {
  const app = express();
  app.disable("x-powered-by");
  // Answers are per request (runs, lists under a key): an ETag would hash every body for nothing.
  app.set("etag", false);
  app.set("query parser", "simple");
  if (context.config.GATEWAY_TRUST_PROXY_HOPS > 0) app.set("trust proxy", context.config.GATEWAY_TRUST_PROXY_HOPS);
  app.use(tracingMiddleware(context.tracer));
  if (metrics) app.use(metrics);
  // Probes come with whatever Host the orchestrator uses, and health reveals nothing: before the guard.
  app.use(skipOtherPaths(healthRoutes(context)));
  const { GATEWAY_HOST, GATEWAY_ALLOWED_HOSTS, GATEWAY_ALLOWED_ORIGINS } = context.config;
  app.use(hostAndOriginGuard(guardOptions(GATEWAY_HOST, GATEWAY_ALLOWED_HOSTS, GATEWAY_ALLOWED_ORIGINS)));
  app.use(authentication(context));
  app.use(simpleRequestGuard);
  app.use(express.json({ limit: context.config.GATEWAY_BODY_LIMIT_BYTES, strict: true, verify: checkBodyDepth }));
  app.use(express.text({ limit: context.config.GATEWAY_BODY_LIMIT_BYTES, type: yamlTypes }));
  // Routers of fixed paths are passed with one prefix test by requests for other paths (the hot ones come later).
  app.use(skipOtherPaths(accessRoutes(context)));
  app.use(skipOtherPaths(pipelitAuthRoutes(context)));
  app.use(skipOtherPaths(pipelitCredentialRoutes(context)));
  app.use(skipOtherPaths(pipelitExecutionRoutes(context)));
  app.use(skipOtherPaths(pipelitScheduleRoutes(context)));
  app.use(skipOtherPaths(metricsRoutes(context)));
  app.use(skipOtherPaths(docsRoutes(context)));
  app.use(skipOtherPaths(agentRuntimesMcpLifecycleRoutes(context)));
  app.use(skipOtherPaths(agentRuntimesRoutes(context)));
  app.use(skipOtherPaths(agentRuntimesConfigureRoutes(context)));
  app.use(skipOtherPaths(agentRuntimesAgUiRoutes(context)));
  app.use(skipOtherPaths(agentRuntimesConversationRoutes(context)));
  app.use("/v1/pipelines", pipelineRoutes(context));
  app.use("/v1/mcp/servers", mcpServerRoutes(context));
  app.use("/api/v1/mcp/servers", agentRuntimesMcpRoutes(context));
  app.use("/v1/agents", agentRoutes(context));
  app.use("/v1/executions", executionRoutes(context));
  app.use("/v1/schedules", scheduleRoutes(context));
  app.use("/v1/ag-ui", agUiRoutes(context));
  app.use(skipOtherPaths(a2aRoutes(context)));
  app.use(skipOtherPaths(mcpEndpointRoutes(context)));
  app.use(openAiRoutes(context));
  app.use(hayhooksRoutes(context));
  app.use(notFoundHandler);
  app.use(errorMiddleware(context.logger));
  return app;
}
