import { ExecutionEvent, finalStatuses, parseJsonOrUndefined } from "@switchyard/contracts";
import { CliError, type Connection, exitCodes, open, serverSentEvents } from "./client.ts";

/** Times a dropped event stream is reopened (from the last event seen) before watch gives up. */
const reconnects = 5;
const spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/** The tail of the streamed text the progress line shows. */
const tailChars = 48;

interface Progress {
  status: string;
  deltas: number;
  toolCalls: number;
  text: string;
  startedAt: number;
}

const clock = (at: string) => at.slice(11, 19);
const oneLine = (text: string) => text.replace(/\s+/g, " ");

/** What a status event says, as one line. */
function statusLine(event: Extract<ExecutionEvent, { type: "status" }>): string {
  const where = event.executor ? ` on ${event.executor}` : "";
  const attempt = event.attempt ? `, attempt ${event.attempt}` : "";
  const error = event.error ? `: ${event.error.message}` : "";
  return `${clock(event.at)}  ${event.status}${where}${attempt}${error}`;
}

/**
 * `switchyard executions watch ID`: follows an execution's events until it ends, and exits 0
 * when it succeeded, 1 otherwise. At a terminal a progress line (status, time, deltas, tool
 * calls, the tail of the text) is redrawn in place under the status changes; piped, each
 * change is a line and the streamed text is written as it comes; `--json` prints each event as a
 * JSON line. A dropped stream is reopened with `Last-Event-ID`, so nothing is seen twice.
 */
export async function watch(connection: Connection, id: string, json: boolean): Promise<number> {
  const out = process.stdout;
  const live = out.isTTY === true && !json;
  const progress: Progress = { status: "connecting", deltas: 0, toolCalls: 0, text: "", startedAt: Date.now() };
  let frame = 0;
  const draw = () => {
    if (!live) return;
    const seconds = ((Date.now() - progress.startedAt) / 1000).toFixed(1);
    const tail = oneLine(progress.text).slice(-tailChars);
    const counts = `${progress.deltas} deltas · ${progress.toolCalls} tool calls`;
    const line = `${spinner[frame++ % spinner.length]} ${progress.status}  ${seconds}s · ${counts}${tail ? ` · …${tail}` : ""}`;
    out.write(`\r\x1b[2K${line.slice(0, (out.columns || 100) - 1)}`);
  };
  // Piped, streamed text is written as it comes, and the next line starts after it.
  let midLine = false;
  const say = (line: string) => {
    out.write(live ? `\r\x1b[2K${line}\n` : `${midLine ? "\n" : ""}${line}\n`);
    midLine = false;
  };
  const ticker = live ? setInterval(draw, 100) : undefined;
  let last: string | undefined;
  let final: Extract<ExecutionEvent, { type: "status" }> | undefined;
  try {
    for (let attempt = 0; !final; attempt += 1) {
      try {
        const response = await open(connection, "GET", `/v1/executions/${encodeURIComponent(id)}/events`, undefined, {
          headers: { accept: "text/event-stream", ...(last ? { "last-event-id": last } : {}) },
        });
        for await (const message of serverSentEvents(response)) {
          if (message.id) last = message.id;
          const event = parseJsonOrUndefined(ExecutionEvent, message.data);
          if (!event) continue;
          if (json) out.write(`${JSON.stringify(event)}\n`);
          if (event.type === "status") {
            progress.status = event.status;
            if (!json) say(statusLine(event));
            if (finalStatuses.includes(event.status)) final = event;
          } else if (event.type === "delta") {
            progress.deltas += 1;
            if (live) progress.text = (progress.text + event.text).slice(-4 * tailChars);
            else if (!json) {
              out.write(event.text);
              midLine = true;
            }
          } else if (event.type === "tool_call" && event.name) {
            progress.toolCalls += 1;
            if (!json) say(`${clock(event.at)}  tool call ${event.name}`);
          } else if (event.type === "tool_result" && !json) {
            say(`${clock(event.at)}  tool result ${event.name}${event.is_error ? " (error)" : ""}`);
          }
          draw();
          if (final) break;
        }
      } catch (error) {
        // Refusals (unknown id, no key) end the watch; a dropped connection is reopened.
        if (error instanceof CliError && error.code !== exitCodes.unreachable) throw error;
        if (attempt >= reconnects) throw error;
      }
      if (!final) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** Math.min(attempt, 4)));
    }
  } finally {
    if (ticker) clearInterval(ticker);
    if (live) out.write("\r\x1b[2K");
  }
  if (!json && final.result) out.write(`${JSON.stringify(final.result, null, 2)}\n`);
  return final.status === "succeeded" ? exitCodes.ok : exitCodes.failed;
}
