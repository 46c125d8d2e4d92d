import type { Logger } from "@switchyard/telemetry";
import type { Redis } from "ioredis";

export interface StoreHealth {
  /** `ok`, or why the store cannot be trusted now: unreachable, or emptied since this service started. */
  check(): Promise<string>;
}

/**
 * Notices a store emptied under a running service (a Redis restarted without persistence,
 * a FLUSHALL): at start the service makes sure `sy:<owner>:marker` exists (a store that is
 * new, or was kept, has or gets it); from then on a check that finds it gone means every key
 * the service owned is gone too. It says so loudly, once, and reports it until restarted.
 * A check also bounds how long Redis may take to answer (less than a gateway waits for a ping), so a frozen Redis is reported too.
 */
export async function createStoreHealth(redis: Redis, owner: string, logger: Logger, timeoutMs = 250): Promise<StoreHealth> {
  const key = `sy:${owner}:marker`;
  await redis.set(key, new Date().toISOString(), "NX");
  let emptied = false;
  return {
    async check() {
      if (emptied) return "emptied: its data was lost while this service ran (restart it once the store is restored)";
      let timer: NodeJS.Timeout | undefined;
      try {
        const found = await Promise.race([
          redis.exists(key),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        if (found === 1) return "ok";
        emptied = true;
        logger.error({ event: "store.emptied", owner }, `the ${owner} store in Redis was emptied while this service ran: its data is gone`);
        return "emptied: its data was lost while this service ran (restart it once the store is restored)";
      } catch (error) {
        return `unreachable: ${error instanceof Error ? error.message : String(error)}`;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
