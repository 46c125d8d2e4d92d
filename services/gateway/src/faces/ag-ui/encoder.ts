import { randomUUID } from "node:crypto";
import type { BaseEvent, Event } from "@ag-ui/core";
import type { StreamedEvent } from "../../core/run-client.ts";
import type { SseFrame } from "../../http/sse.ts";
import type { StreamEncoder } from "../../streaming/streamed-run.ts";

/** The AG-UI packages are loaded on first use: a gateway nobody calls over AG-UI does not hold them in memory. */
const agUi = () => Promise.all([import("@ag-ui/core"), import("@ag-ui/encoder")]);

/**
 * A run as AG-UI events with the official event types and encoder: RUN_STARTED at once,
 * then TEXT_MESSAGE_START/CONTENT/END around text, TOOL_CALL_START/ARGS/END and
 * TOOL_CALL_RESULT, and RUN_FINISHED or RUN_ERROR. `named` adds an `event:` line with each type.
 */
export async function agUiEncoder(ids: { threadId: string; runId: string }, accept: string, named = false): Promise<StreamEncoder> {
  const [{ EventType }, { EventEncoder }] = await agUi();
  const encoder = new EventEncoder({ accept });
  // agent-runtimes' streams name each event (`event: RUN_STARTED`) before its data; the official client reads data alone.
  const frame = (event: Event): SseFrame => ({
    ...(named ? { event: event.type } : {}),
    data: encoder
      .encode(event as BaseEvent)
      .replace(/^data: /, "")
      .trimEnd(),
  });
  let messageId: string | undefined;
  const endMessage = (): SseFrame[] => {
    if (!messageId) return [];
    const ended = frame({ type: EventType.TEXT_MESSAGE_END, messageId });
    messageId = undefined;
    return [ended];
  };
  const events = (event: StreamedEvent): SseFrame[] => {
    if (event.type === "delta") {
      const frames: SseFrame[] = [];
      if (!messageId) {
        messageId = randomUUID();
        frames.push(frame({ type: EventType.TEXT_MESSAGE_START, messageId, role: "assistant" }));
      }
      frames.push(frame({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta: event.text }));
      return frames;
    }
    const frames = endMessage();
    if (event.type === "tool_call") {
      const toolCallId = event.id ?? randomUUID();
      frames.push(frame({ type: EventType.TOOL_CALL_START, toolCallId, toolCallName: event.name ?? "" }));
      if (event.arguments) frames.push(frame({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: event.arguments }));
      frames.push(frame({ type: EventType.TOOL_CALL_END, toolCallId }));
      return frames;
    }
    frames.push(
      frame({ type: EventType.TOOL_CALL_RESULT, messageId: randomUUID(), toolCallId: event.id, content: event.content, role: "tool" }),
    );
    return frames;
  };
  return {
    opening: () => [frame({ type: EventType.RUN_STARTED, ...ids })],
    event: events,
    done: (result) => [...endMessage(), frame({ type: EventType.RUN_FINISHED, ...ids, result: result.outputs })],
    error: (error) => [...endMessage(), frame({ type: EventType.RUN_ERROR, message: error.message, code: error.code })],
  };
}
