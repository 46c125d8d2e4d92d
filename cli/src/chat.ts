import { createInterface } from "node:readline";
import { parseJsonOrUndefined } from "@switchyard/contracts";
import { z } from "zod";
import { CliError, type Connection, exitCodes, open, serverSentEvents } from "./client.ts";

/** The messages a chat keeps and resends: the oldest turns go first past this. */
export const chatHistoryLimit = 40;
/** Lines typed while an answer streams wait for it, at most this many. */
const queuedLinesLimit = 16;

const Chunk = z
  .object({
    choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).passthrough() }).passthrough()).optional(),
    error: z.object({ message: z.string() }).passthrough().optional(),
  })
  .passthrough();

interface Message {
  role: "system" | "user" | "assistant";
  content: string;
}

const help = "Type a message and Enter. Ctrl-C stops an answer; /reset forgets the conversation; /exit or Ctrl-D leaves.";

/**
 * `switchyard chat NAME`: an interactive conversation with a deployed pipeline or agent over
 * its OpenAI face, streamed. The conversation lives here (the last {@link chatHistoryLimit}
 * messages are sent each turn). Ctrl-C while an answer streams aborts that request, which the
 * gateway turns into a cancelled run and a closed provider call; the session goes on.
 */
export function chat(connection: Connection, model: string, system: string | undefined): Promise<number> {
  const out = process.stdout;
  const interactive = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: out, terminal: interactive, historySize: 100 });
  const history: Message[] = [];
  const queued: string[] = [];
  let answering: AbortController | undefined;
  let failed = false;
  let closed = false;
  lines.setPrompt("> ");

  const prompt = () => {
    if (interactive && !closed) lines.prompt();
  };
  const trimHistory = () => {
    while (history.length > chatHistoryLimit) history.shift();
  };

  async function answer(text: string): Promise<void> {
    history.push({ role: "user", content: text });
    trimHistory();
    const controller = new AbortController();
    answering = controller;
    let said = "";
    try {
      const messages = system ? [{ role: "system", content: system }, ...history] : history;
      const response = await open(
        connection,
        "POST",
        "/v1/chat/completions",
        { model, messages, stream: true },
        { signal: controller.signal, headers: { accept: "text/event-stream" } },
      );
      for await (const event of serverSentEvents(response)) {
        if (event.data === "[DONE]") break;
        const chunk = parseJsonOrUndefined(Chunk, event.data);
        if (chunk?.error) throw new CliError(chunk.error.message, exitCodes.failed);
        const piece = chunk?.choices?.[0]?.delta.content ?? "";
        if (piece) {
          said += piece;
          out.write(piece);
        }
      }
      out.write("\n");
    } catch (error) {
      if (controller.signal.aborted) out.write(said ? " [cancelled]\n" : "[cancelled]\n");
      else {
        failed = true;
        if (said) out.write("\n");
        process.stderr.write(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    } finally {
      answering = undefined;
    }
    // What was said stays in the conversation, cut short or not; a turn with no answer is forgotten.
    if (said) history.push({ role: "assistant", content: said });
    else history.pop();
    trimHistory();
  }

  const handle = async (line: string): Promise<void> => {
    const text = line.trim();
    if (text === "/exit" || text === "/quit") {
      closed = true;
      lines.close();
      return;
    }
    if (text === "/reset") {
      history.length = 0;
      out.write("(conversation forgotten)\n");
    } else if (text === "/help") out.write(`${help}\n`);
    else if (text) await answer(text);
  };

  return new Promise((resolve) => {
    let draining = Promise.resolve();
    const finish = () => resolve(failed && !interactive ? exitCodes.failed : exitCodes.ok);
    lines.on("line", (line) => {
      if (answering) {
        if (queued.length < queuedLinesLimit) queued.push(line);
        return;
      }
      queued.push(line);
      draining = draining.then(async () => {
        while (queued.length > 0 && !closed) await handle(queued.shift() ?? "");
        prompt();
      });
    });
    // Ctrl-C: stops the answer that streams; at the prompt it only clears the line.
    lines.on("SIGINT", () => {
      if (answering) {
        answering.abort();
        return;
      }
      out.write("^C\n");
      lines.write(null, { ctrl: true, name: "u" });
      prompt();
    });
    // Ctrl-D or /exit at a terminal leaves now; the end of piped input lets every line be answered first.
    lines.on("close", () => {
      if (interactive) {
        closed = true;
        answering?.abort();
        out.write("\n");
      }
      void draining.then(finish);
    });
    if (interactive) out.write(`chat with ${model}. ${help}\n`);
    prompt();
  });
}

/** Refuses a chat without a name before anything is opened. */
export function chatName(rest: string[]): string {
  const name = rest[0];
  if (!name) throw new CliError("chat needs a NAME (a deployed pipeline or agent)", exitCodes.usage);
  return name;
}
