import { AppError } from "@switchyard/errors";
import type { NatsConnection } from "@switchyard/nats";

export interface ConnectionWatchOptions {
  /** How long the connection may be gone before the runs are given up (the gateway's watchdog time). */
  timeoutMs: number;
  /** How often the server is pinged while runs are open. */
  probeMs: number;
  /** Whether any run is open: the connection is probed only then. */
  active(): boolean;
  /** The connection has been gone for `timeoutMs`: stop every run. Called again at most every `timeoutMs` while it stays gone. */
  onLost(reason: AppError): void;
}

export interface ConnectionWatch {
  stop(): void;
}

/**
 * Notices a lost NATS connection within the watchdog time, while runs are open: a disconnect
 * the client reported, or a server that stopped answering pings (a partition where no packet,
 * not even a reset, arrives; the client's own pings notice that only after tens of seconds).
 * Past `timeoutMs` the gateways have given up on these runs by their own watchdog, a cancel
 * sent meanwhile is lost, and credit cannot come: whatever the runs still read from providers
 * is billed for nobody.
 */
export function watchConnection(nats: NatsConnection, options: ConnectionWatchOptions): ConnectionWatch {
  let stopped = false;
  let disconnectedAt: number | undefined;
  let answeredAt = Date.now();
  let probing = false;
  let lastTick = Date.now();

  void (async () => {
    for await (const status of nats.status()) {
      if (stopped) break;
      if (status.type === "disconnect") disconnectedAt ??= Date.now();
      if (status.type === "reconnect") {
        disconnectedAt = undefined;
        answeredAt = Date.now();
      }
    }
  })();

  const lost = (reason: string) => {
    answeredAt = Date.now();
    if (disconnectedAt !== undefined) disconnectedAt = Date.now();
    options.onLost(new AppError("unavailable", `the executor lost its connection to the message bus (${reason}); the run was stopped`));
  };

  const tick = () => {
    const now = Date.now();
    const late = now - lastTick > 2 * options.probeMs;
    lastTick = now;
    // Idle, or this process itself stalled (a pong may be waiting, unread, behind this timer): no verdict now.
    if (!options.active() || late) {
      answeredAt = now;
      return;
    }
    if (disconnectedAt !== undefined) {
      if (now - disconnectedAt > options.timeoutMs) lost(`disconnected for more than ${options.timeoutMs} ms`);
      return;
    }
    if (now - answeredAt > options.timeoutMs) {
      lost(`no answer to pings for more than ${options.timeoutMs} ms`);
      return;
    }
    if (probing || nats.isClosed()) return;
    probing = true;
    nats.flush().then(
      () => {
        probing = false;
        answeredAt = Date.now();
      },
      () => {
        probing = false;
      },
    );
  };
  const timer = setInterval(tick, options.probeMs);
  timer.unref();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
