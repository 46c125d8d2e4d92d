#!/bin/sh
# Starts one Switchyard service from its built bundle (services/<name>/dist/main.js).
# The service comes from $SERVICE (default: gateway), or from a first argument
# naming a service (`docker run IMAGE registry`). Any other arguments are run
# as a command instead, which keeps `docker run -it IMAGE sh` usable for debugging.
set -eu

case "${1:-}" in
  gateway | registry | executor | mcp | session | access | scheduler)
    SERVICE="$1"
    shift
    ;;
  "") ;;
  *) exec "$@" ;;
esac

SERVICE="${SERVICE:-gateway}"
case "$SERVICE" in
  gateway | registry | executor | mcp | session | access | scheduler) ;;
  *)
    echo "entrypoint: SERVICE must be one of gateway|registry|executor|mcp|session|access|scheduler, got '$SERVICE'" >&2
    exit 64
    ;;
esac

# The services validate optional URLs strictly, so an empty value (as left by
# `${VAR:-}` in compose or a blank ConfigMap entry) would stop them at start.
# Empty means "not configured": drop it.
for name in OPENAI_BASE_URL OPENAI_API_KEY SWITCHYARD_MODELS OTEL_EXPORTER_OTLP_ENDPOINT \
  SWITCHYARD_PIPELINES_DIR SWITCHYARD_INSTANCE GATEWAY_ALLOWED_HOSTS GATEWAY_ALLOWED_ORIGINS \
  MCP_CONFIG_PATH MCP_CATALOG_PATH MCP_OUTBOUND_ALLOW SWITCHYARD_SECRET_KEY \
  SWITCHYARD_ADMIN_KEY EXECUTIONS_CALLBACK_SECRET; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then unset "$name"; fi
done
unset value name

# Paths below are relative to the repo root, which is /app in the image.
cd /app

# exec: node becomes PID 1 and receives SIGTERM directly for graceful shutdown.
exec node "services/$SERVICE/dist/main.js" "$@"
