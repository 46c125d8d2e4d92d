import type { AdmitReply, AdmitRequest, KeyLimits } from "@switchyard/contracts";
import type { Redis } from "@switchyard/redis";
import { z } from "zod";
import { nonce } from "./ids.ts";
import { layout } from "./layout.ts";
import { admitScript, settleScript } from "./limits-lua.ts";

const AdmitResult = z.tuple([
  z.number(),
  z.enum(["", "requests", "tokens", "concurrency"]),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
]);

/** How long a settle is remembered, so a repeat (a retried request) is not charged twice. */
const settledMarkerMs = 3_600_000;

export interface SettleInput {
  keyId: string;
  limits: KeyLimits;
  runId?: string;
  estimatedTokens: number;
  usedTokens: number;
}

/** Per-key rate limits, decided in Redis (one script per admit, one per settle) so they hold across every gateway. */
export function createLimits(redis: Redis) {
  return {
    async admit(request: AdmitRequest): Promise<AdmitReply> {
      const { keyId, limits } = request;
      const requestLimit = limits.requestsPerMinute ?? 0;
      const tokenLimit = limits.tokensPerMinute ?? 0;
      const runLimit = limits.concurrentRuns ?? 0;
      if (requestLimit === 0 && tokenLimit === 0 && (runLimit === 0 || request.runId === undefined)) return { allowed: true };
      const wanted = request.batch ?? { requests: 1, tokens: request.estimatedTokens };
      const [allowed, refusedBy, retry, requestsLeft, requestsReset, tokensLeft, tokensReset, grantedRequests, grantedTokens] =
        AdmitResult.parse(
          await admitScript.run(
            redis,
            [layout.requests(keyId), layout.tokens(keyId), layout.runs(keyId)],
            [
              requestLimit,
              tokenLimit,
              runLimit,
              request.estimatedTokens,
              request.runId ?? "",
              request.holdMs,
              nonce(),
              wanted.requests,
              Math.max(wanted.tokens, request.estimatedTokens),
            ],
          ),
        );
      return {
        allowed: allowed === 1,
        ...(refusedBy === "" ? {} : { refusedBy }),
        // -1: waiting never helps (an estimate larger than the whole bucket).
        ...(allowed === 1 || retry < 0 ? {} : { retryAfterMs: retry }),
        ...(requestLimit > 0 ? { requests: { limit: requestLimit, remaining: requestsLeft, resetMs: requestsReset } } : {}),
        ...(tokenLimit > 0 ? { tokens: { limit: tokenLimit, remaining: tokensLeft, resetMs: tokensReset } } : {}),
        ...(allowed === 1 ? { granted: { requests: grantedRequests, tokens: grantedTokens } } : {}),
      };
    },

    async settle(request: SettleInput): Promise<void> {
      const tokenLimit = request.limits.tokensPerMinute ?? 0;
      const charges = tokenLimit > 0 && request.usedTokens !== request.estimatedTokens;
      if (!charges && request.runId === undefined) return;
      const runId = request.runId ?? "";
      await settleScript.run(
        redis,
        [layout.tokens(request.keyId), layout.runs(request.keyId), layout.settled(request.keyId, runId)],
        [tokenLimit, request.estimatedTokens, request.usedTokens, runId, settledMarkerMs],
      );
    },
  };
}
