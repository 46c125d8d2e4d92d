import { apiKeyHeaders, requestJson } from "@switchyard/testing";

export interface ExecutionView {
  id: string;
  status: string;
  attempts: number;
  deliveries: number;
  executor?: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
  finishedAt?: string;
  inputs: Record<string, unknown>;
}

/** Polls an execution until it reaches `status` (or any final status when it is one), failing after `timeoutMs`. */
export async function waitForStatus(url: string, id: string, status: string, timeoutMs = 20_000): Promise<ExecutionView> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const reply = await requestJson(`${url}/v1/executions/${id}`).catch(() => undefined);
    if (reply?.status === 200) {
      last = reply.body;
      const view = reply.body as ExecutionView;
      if (view.status === status) return view;
      if (["succeeded", "failed", "cancelled", "dead_lettered"].includes(view.status) && view.status !== status) {
        throw new Error(`execution ${id} ended ${view.status}, not ${status}: ${JSON.stringify(view)}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`execution ${id} did not reach ${status} in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** An execution's event stream read to its end (the server closes it after the final status), with ids and names. */
export async function executionEvents(url: string, id: string, lastEventId?: string): Promise<SseEvent[]> {
  const response = await fetch(`${url}/v1/executions/${id}/events`, {
    headers: { ...apiKeyHeaders(), ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
    signal: AbortSignal.timeout(20_000),
  });
  if (response.status !== 200) throw new Error(`events answered ${response.status}: ${await response.text()}`);
  const text = await response.text();
  return text
    .split("\n\n")
    .map((block) => {
      const event: SseEvent = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) event.id = line.slice(4);
        else if (line.startsWith("event: ")) event.event = line.slice(7);
        else if (line.startsWith("data: ")) event.data += line.slice(6);
      }
      return event;
    })
    .filter((event) => event.data !== "");
}
