import { AuditEntry, type AuditRecordRequest, parseJson } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Redis } from "@switchyard/redis";
import type { z } from "zod";
import { layout } from "./layout.ts";

const corrupt = (detail: string) => new AppError("internal", `a stored audit entry is unreadable: ${detail}`);

/** The audit trail: a capped list, newest first. */
export function createAudit(redis: Redis, maxEntries: number) {
  return {
    async record(request: z.output<typeof AuditRecordRequest>): Promise<void> {
      const entry: AuditEntry = { ...request, at: new Date().toISOString() };
      await redis
        .multi()
        .lpush(layout.audit, JSON.stringify(entry))
        .ltrim(layout.audit, 0, maxEntries - 1)
        .exec();
    },
    async list(limit: number, offset: number): Promise<{ items: AuditEntry[]; total: number }> {
      const [items, total] = await Promise.all([redis.lrange(layout.audit, offset, offset + limit - 1), redis.llen(layout.audit)]);
      return { items: items.map((text) => parseJson(AuditEntry, text, corrupt)), total };
    },
  };
}
