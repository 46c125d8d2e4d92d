import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "@switchyard/telemetry";
import type { Launch } from "./transports.ts";

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** Up at least this long before failing: the next restart waits `initialMs` again. */
  resetAfterMs: number;
}

export interface SupervisorOptions {
  id: string;
  /** A fresh transport per attempt; a throw is a problem retrying can't fix (no restart). */
  launch: () => Launch;
  logger: Logger;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  backoff: Backoff;
  /** Running state, error or tools changed. */
  onChange: () => void;
}

export interface ServerState {
  isRunning: boolean;
  /** Why it is not running, when it failed. */
  lastError?: string;
  tools: Tool[];
}

/** One MCP server kept connected: handshake with a timeout, restart with backoff. */
export interface Supervisor {
  /** Starts; resolves once the first connection attempt settled, whichever way. */
  start(): Promise<void>;
  /** Stops for good: no restart follows. */
  stop(): Promise<void>;
  state(): ServerState;
  /** The connected client, while running. */
  client(): Client | undefined;
}

interface Connection {
  client: Client;
  launch: Launch;
  lost: boolean;
  upSince?: number;
  ping?: NodeJS.Timeout;
}

class HandshakeTimeout extends Error {}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { id, logger } = options;
  let stopped = false;
  let current: Connection | undefined;
  let tools: Tool[] = [];
  let lastError: string | undefined;
  let failuresInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  function fail(reason: string): void {
    tools = [];
    lastError = reason;
    options.onChange();
  }

  // Idempotent per connection: a close after a failure (the client closed by `lose` itself) changes nothing.
  function lose(connection: Connection, reason: string): void {
    if (connection.lost) return;
    connection.lost = true;
    clearInterval(connection.ping);
    if (current !== connection) return;
    current = undefined;
    void connection.client.close().catch(() => {});
    logger.warn({ event: "mcp.server.failed", server: id, reason, stderr: connection.launch.stderrTail() }, "mcp server failed");
    fail(reason);
    if (stopped) return;
    if (connection.upSince && Date.now() - connection.upSince >= options.backoff.resetAfterMs) failuresInARow = 0;
    const delay = Math.min(options.backoff.initialMs * 2 ** failuresInARow, options.backoff.maxMs);
    failuresInARow += 1;
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void attempt();
    }, delay);
  }

  async function refreshTools(connection: Connection): Promise<void> {
    try {
      const listed = await listAllTools(connection.client, options.handshakeTimeoutMs);
      if (connection.lost) return;
      tools = listed;
      logger.info({ server: id, tools: tools.length }, "mcp server tools changed");
      options.onChange();
    } catch (error) {
      logger.warn({ server: id, err: message(error) }, "mcp server tools could not be refreshed");
    }
  }

  async function attempt(): Promise<void> {
    if (stopped) return;
    let launch: Launch;
    try {
      launch = options.launch();
    } catch (error) {
      logger.warn({ event: "mcp.server.failed", server: id, reason: message(error) }, "mcp server cannot start");
      return fail(message(error));
    }
    const client = new Client(
      { name: "switchyard-mcp", version: "0.1.0" },
      { capabilities: {}, listChanged: { tools: { autoRefresh: false, debounceMs: 100, onChanged: () => void refreshTools(connection) } } },
    );
    const connection: Connection = { client, launch, lost: false };
    current = connection;
    // During the handshake a close only records itself: the rejected connect that follows reports the failure, with
    // what the transport knows (exit status, a refused connect, an HTTP status) that a bare close does not carry.
    let handshaking = true;
    let closedInHandshake = false;
    const closed = () => lose(connection, launch.describeExit() ?? "the connection closed");
    client.onclose = () => {
      if (handshaking) closedInHandshake = true;
      else closed();
    };
    client.onerror = (error) => logger.debug({ server: id, err: error.message }, "mcp transport error");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HandshakeTimeout(`handshake did not finish within ${options.handshakeTimeoutMs} ms`)),
        options.handshakeTimeoutMs,
      );
    });
    try {
      const handshake = (async () => {
        await client.connect(launch.transport);
        return listAllTools(client, options.handshakeTimeoutMs);
      })();
      const listed = await Promise.race([handshake, timeout]);
      handshaking = false;
      if (closedInHandshake) return closed();
      if (connection.lost) return;
      tools = listed;
      lastError = undefined;
      connection.upSince = Date.now();
      if (launch.needsPing) connection.ping = setInterval(() => ping(connection), options.pingIntervalMs);
      logger.info({ event: "mcp.server.started", server: id, pid: launch.pid, tools: tools.length }, "mcp server started");
      options.onChange();
    } catch (error) {
      handshaking = false;
      const reason = error instanceof HandshakeTimeout ? error.message : (launch.describeExit() ?? `handshake failed: ${message(error)}`);
      lose(connection, reason);
    } finally {
      clearTimeout(timer);
    }
  }

  function ping(connection: Connection): void {
    const timeout = Math.min(5000, options.pingIntervalMs);
    connection.client.ping({ timeout }).catch((error: unknown) => lose(connection, `ping failed: ${message(error)}`));
  }

  return {
    start: attempt,
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      const connection = current;
      current = undefined;
      tools = [];
      if (!connection) return;
      connection.lost = true;
      clearInterval(connection.ping);
      await connection.client.close().catch(() => {});
    },
    state: () => {
      const isRunning = current?.upSince !== undefined;
      return { isRunning, tools, ...(isRunning || lastError === undefined ? {} : { lastError }) };
    },
    client: () => (current?.upSince !== undefined ? current.client : undefined),
  };
}

/** Every tool of a server, following pagination (bounded). */
async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}
