// The BullMQ side of the executions benchmark: one worker process (as Switchyard runs one
// executor) taking `noop` jobs from the queue with the given concurrency. The job does what
// the no-op pipeline does: renders a greeting from its input.
import { Worker } from "bullmq";

const [url, queueName, concurrency] = process.argv.slice(2);
if (!url || !queueName) throw new Error("usage: bullmq-worker <redis url> <queue> <concurrency>");
const { hostname, port } = new URL(url);
const worker = new Worker(queueName, async (job) => ({ text: `Hello, ${String(job.data.name)} x1` }), {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency ?? 64),
  prefix: "bench-bullmq",
});
await worker.waitUntilReady();
console.log("ready");
const stop = async () => {
  await worker.close();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
