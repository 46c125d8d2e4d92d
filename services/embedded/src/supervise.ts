import type { ServiceName } from "@switchyard/contracts";
import type { ServiceProcess, StartedPlan } from "@switchyard/local";

export interface SuperviseOptions {
  say(line: string): void;
  /** True once the launcher itself is stopping: exits are then expected. */
  stopping(): boolean;
  /** A clean exit (Ctrl-C reaches the services too): the user wants everything stopped. */
  onCleanExit(): void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A service that stayed up this long starts again from the first delay when it fails. */
  resetAfterMs?: number;
}

/**
 * Restarts a service that crashed, as a process supervisor would: after 0.5 s, doubling to
 * 30 s while it keeps failing soon after starting (or failing to start), saying so each
 * time. Infrastructure and the other services stay up meanwhile; a clean exit still stops
 * everything.
 */
export function supervise(plan: StartedPlan, started: ServiceProcess, options: SuperviseOptions, failures = 0): void {
  const firstDelayMs = options.firstDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const resetAfterMs = options.resetAfterMs ?? 60_000;
  const service: ServiceName = started.service;
  const startedAt = Date.now();

  const restart = (streak: number) => {
    const delay = Math.min(maxDelayMs, firstDelayMs * 2 ** streak);
    options.say(`${service}: restarting it in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(() => {
      if (options.stopping()) return;
      plan.add(service).then(
        (again) => {
          options.say(`${service} restarted (pid ${again.pid})`);
          supervise(plan, again, options, streak + 1);
        },
        (error: unknown) => {
          options.say(`${service} could not start: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`);
          restart(streak + 1);
        },
      );
    }, delay);
  };

  started.child.once("exit", (code, signal) => {
    if (options.stopping()) return;
    if (code === 0 || signal === "SIGINT" || signal === "SIGTERM") return options.onCleanExit();
    options.say(`${service} exited unexpectedly (${code ?? signal})`);
    restart(Date.now() - startedAt > resetAfterMs ? 0 : failures);
  });
}
