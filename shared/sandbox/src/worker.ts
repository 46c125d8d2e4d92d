// A sandbox worker thread: QuickJS compiled to WebAssembly, one runtime per warm sandbox, each
// with its own heap limit and a CPU budget enforced by QuickJS's interrupt handler. Code in a
// sandbox sees only what the prelude gives it; every effect is a message to the parent thread.
import { parentPort } from "node:worker_threads";
import { type FromWorker, limitSettings, type SandboxFailure, type ToWorker } from "./protocol.ts";
import { type Call, newCall, Sandbox, Stopped } from "./sandbox-instance.ts";

const port = parentPort;
if (!port) throw new Error("the sandbox worker runs in a worker thread");
const post = (message: FromWorker) => port.postMessage(message);

/** Warm sandboxes kept per definition version, and in all. */
const warmPerKey = 4;
const warmTotal = 32;

const warm = new Map<string, Sandbox[]>();
const running = new Map<number, { sandbox?: Sandbox; call: Call }>();
let warmCount = 0;

function takeWarm(key: string): Sandbox | undefined {
  const sandbox = warm.get(key)?.pop();
  if (sandbox) warmCount -= 1;
  return sandbox;
}

function giveBack(key: string, sandbox: Sandbox): void {
  const list = warm.get(key) ?? [];
  if (sandbox.broken || sandbox.retire || list.length >= warmPerKey) {
    sandbox.dispose();
    return;
  }
  // The oldest warm sandbox of any key makes room.
  if (warmCount >= warmTotal) {
    const [oldestKey, oldest] = warm.entries().next().value ?? [];
    const dropped = oldest?.shift();
    if (dropped) {
      dropped.dispose();
      warmCount -= 1;
    }
    if (oldestKey !== undefined && oldest?.length === 0) warm.delete(oldestKey);
  }
  list.push(sandbox);
  warm.delete(key);
  warm.set(key, list);
  warmCount += 1;
}

const stoppedFailure = (error: unknown): SandboxFailure =>
  error instanceof Stopped ? error.failure : { kind: "wrapper", message: error instanceof Error ? error.message : String(error) };

async function run(message: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const call = newCall(message.runId);
  const entry: { sandbox?: Sandbox; call: Call } = { call };
  running.set(message.runId, entry);
  let cold = false;
  const deadline = setTimeout(() => {
    const failure: SandboxFailure = { kind: "timeout", message: `the wrapper did not finish within ${message.deadlineMs} ms` };
    if (entry.sandbox) entry.sandbox.stop(failure);
    else call.stop(failure);
  }, message.deadlineMs);
  try {
    let sandbox = message.fn === "describe" ? undefined : takeWarm(message.key);
    if (!sandbox) {
      cold = true;
      sandbox = await Sandbox.create(message.bundle, { ...message.limits }, post);
    }
    entry.sandbox = sandbox;
    if (message.fn === "describe") {
      const value = await sandbox.invoke("__switchyard_describe", [], call);
      sandbox.retire = true;
      post({ type: "done", runId: message.runId, ok: true, value, cpuMs: sandbox.cpuMs(), cold });
      return;
    }
    if (!sandbox.setupDone) {
      const setupTimer = setTimeout(
        () =>
          sandbox?.stop({
            kind: "limit",
            setting: limitSettings.setupMs,
            message: `setup() did not finish within ${message.limits.setupMs} ms (${limitSettings.setupMs})`,
          }),
        message.limits.setupMs,
      );
      try {
        await sandbox.invoke("__switchyard_setup", [], call);
      } finally {
        clearTimeout(setupTimer);
      }
      sandbox.setupDone = true;
    }
    const value = await sandbox.invoke("__switchyard_drive", [message.fn, message.args], call);
    post({ type: "done", runId: message.runId, ok: true, value, cpuMs: sandbox.cpuMs(), cold });
  } catch (error) {
    if (entry.sandbox) entry.sandbox.broken ||= !(error instanceof Stopped) || error.failure.kind !== "wrapper";
    post({ type: "done", runId: message.runId, ok: false, failure: stoppedFailure(error), cpuMs: entry.sandbox?.cpuMs() ?? 0, cold });
  } finally {
    clearTimeout(deadline);
    running.delete(message.runId);
    if (entry.sandbox) giveBack(message.key, entry.sandbox);
  }
}

port.on("message", (message: ToWorker) => {
  if (message.type === "run") void run(message);
  else if (message.type === "reply") running.get(message.runId)?.sandbox?.reply(message.callId, message);
  else if (message.type === "cancel") {
    const entry = running.get(message.runId);
    const failure: SandboxFailure = { kind: "cancelled", message: "the run was cancelled" };
    if (entry?.sandbox) entry.sandbox.stop(failure);
    else entry?.call.stop(failure);
  } else if (message.type === "reset") {
    for (const list of warm.values()) for (const sandbox of list) sandbox.dispose();
    warm.clear();
    warmCount = 0;
  }
});
post({ type: "ready" });
