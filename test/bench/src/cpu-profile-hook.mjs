// Loaded into each service with NODE_OPTIONS=--import (Node refuses --cpu-prof there) when the
// bench runs with --profile: samples the CPU from start to exit with the in-process inspector
// and writes <SWITCHYARD_BENCH_PROFILE_DIR>/profile-<pid>.cpuprofile on exit.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.SWITCHYARD_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  process.once("exit", () => {
    // The in-thread session answers synchronously, so this works inside an exit handler.
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(join(dir, `profile-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
