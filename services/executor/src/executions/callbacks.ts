import { createHmac } from "node:crypto";
import type { Execution } from "@switchyard/contracts";
import type { OutboundGuard } from "@switchyard/net";
import type { Logger } from "@switchyard/telemetry";

export interface CallbackSender {
  /** Checks a URL at submission (the guard again at each connect). */
  check(url: string): Promise<void>;
  /** POSTs the finished execution, retried with backoff; never throws. */
  send(execution: Execution): void;
  close(): Promise<void>;
}

/** Waits before each retry of a callback (6 tries over about a minute). */
const retryDelaysMs = [1000, 2000, 5000, 10_000, 30_000];

/**
 * Callbacks: `POST callback_url` with the execution as JSON once it is final, signed as
 * `X-Switchyard-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` beside
 * `X-Switchyard-Timestamp` (seconds), so a receiver can check both origin and freshness.
 * Any 2xx ends it; anything else is retried, through the outbound guard every time.
 * Retries live in this process: an executor that dies mid-retry loses the rest (noted in ARCHITECTURE.md).
 */
export function createCallbackSender(guard: OutboundGuard, secret: string, logger: Logger): CallbackSender {
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;

  const attempt = async (execution: Execution, url: string, tries: number): Promise<void> => {
    const body = JSON.stringify({ type: "execution.finished", execution });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
    try {
      const response = await guard.fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-switchyard-timestamp": timestamp,
          "x-switchyard-signature": `sha256=${signature}`,
          "x-switchyard-execution": execution.id,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      throw new Error(`answered ${response.status}`);
    } catch (error) {
      const delay = retryDelaysMs[tries];
      if (delay === undefined || closed) {
        logger.warn({ execution: execution.id, tries: tries + 1, err: error }, "execution callback gave up");
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(timer);
        void attempt(execution, url, tries + 1);
      }, delay);
      timer.unref();
      pending.add(timer);
    }
  };

  return {
    check: (url) => guard.checkUrl(url),
    send(execution) {
      if (execution.callbackUrl && !closed) void attempt(execution, execution.callbackUrl, 0);
    },
    async close() {
      closed = true;
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}
