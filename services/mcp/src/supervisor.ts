import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "@switchyard/telemetry";
import { type Launch, LaunchError } from "./transports.ts";

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** Up at least this long before failing: the next restart waits `initialMs` again. */
  resetAfterMs: number;
}

export interface SupervisorOptions {
  id: string;
  /**
   * A fresh, unstarted transport per attempt. A throw fails the attempt: a retryable `LaunchError` (a missing
   * credential) is tried again with backoff; anything else is a problem retrying can't fix (no restart).
   */
  launch: () => Promise<Launch>;
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
  /**
   * Drops the current connection (or the failure and its pending retry, or an attempt in flight) and connects again
   * at once, from the first backoff delay: for a server whose credentials changed. Resolves once that attempt settled.
   */
  restart(): Promise<void>;
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
  // Bumped by every attempt and every restart: an attempt that is no longer the latest drops what it launched.
  let latest = 0;

  function fail(reason: string): void {
    tools = [];
    lastError = reason;
    options.onChange();
  }

  function retryLater(upSince?: number): void {
    if (stopped) return;
    if (upSince && Date.now() - upSince >= options.backoff.resetAfterMs) failuresInARow = 0;
    const delay = Math.min(options.backoff.initialMs * 2 ** failuresInARow, options.backoff.maxMs);
    failuresInARow += 1;
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void attempt();
    }, delay);
  }

  // Idempotent per connection: a close after a failure (the client closed by `lose` itself) changes nothing.
  function lose(connection: Connection, reason: string): void {
    if (connection.lost) return;
    connection.lost = true;
    clearInterval(connection.ping);
    if (current !== connection) return;
    current = undefined;
    void connection.client.close().catch(() => {});
    const shown = connection.launch.redact(reason);
    logger.warn({ event: "mcp.server.failed", server: id, reason: shown, stderr: connection.launch.stderrTail() }, "mcp server failed");
    fail(shown);
    retryLater(connection.upSince);
  }

  /** Ends a connection the service itself gives up (stop, restart, a newer attempt): no failure is recorded. */
  async function retire(connection: Connection | undefined): Promise<void> {
    if (!connection) return;
    if (current === connection) current = undefined;
    connection.lost = true;
    clearInterval(connection.ping);
    await connection.client.close().catch(() => {});
  }

  async function refreshTools(connection: Connection): Promise<void> {
    try {
      const listed = await listAllTools(connection.client, options.handshakeTimeoutMs);
      if (connection.lost) return;
      tools = listed;
      logger.info({ server: id, tools: tools.length }, "mcp server tools changed");
      options.onChange();
    } catch (error) {
      logger.warn({ server: id, err: connection.launch.redact(message(error)) }, "mcp server tools could not be refreshed");
    }
  }

  async function attempt(): Promise<void> {
    if (stopped) return;
    const mine = ++latest;
    let launch: Launch;
    try {
      launch = await options.launch();
    } catch (error) {
      if (stopped || mine !== latest) return;
      const retrying = error instanceof LaunchError && error.retryable;
      logger.warn({ event: "mcp.server.failed", server: id, reason: message(error), retrying }, "mcp server cannot start");
      fail(message(error));
      if (retrying) retryLater();
      return;
    }
    // Stopped or restarted while the launch was awaited: nothing was started (transports spawn and connect in
    // `start`), and closing the transport makes sure nothing ever is.
    if (stopped || mine !== latest) {
      void launch.transport.close().catch(() => {});
      return;
    }
    // An older attempt still in its handshake (a restart overtook it) gives way.
    void retire(current);
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
    client.onerror = (error) => logger.debug({ server: id, err: launch.redact(error.message) }, "mcp transport error");
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
      tools = [];
      await retire(current);
    },
    async restart() {
      if (stopped) return;
      const mine = ++latest;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      failuresInARow = 0;
      const connection = current;
      if (connection) {
        tools = [];
        await retire(connection);
        // Running (or connecting) a moment ago: subscribers see it go down before it comes back.
        if (!stopped) options.onChange();
      }
      // Stopped meanwhile, or a newer restart took over.
      if (stopped || mine !== latest) return;
      await attempt();
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
