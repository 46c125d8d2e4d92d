// Starts the sandbox worker from its TypeScript source (tests and `tsx` runs): tsx's loader is
// registered in this thread first. Built services start the bundled worker directly instead.
import { workerData } from "node:worker_threads";

const { register } = await import(workerData.tsx);
register();
await import(workerData.entry);
