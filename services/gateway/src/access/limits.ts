import { randomBytes } from "node:crypto";
import { type AdmitReply, endpoints, type LimitState, type Principal, type Usage } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, Response } from "express";
import type { GatewayContext } from "../context.ts";
import { createLeases } from "./leases.ts";

/** What one admitted run request holds, so its end can free the slot and charge what it really used. */
interface Meter {
  estimatedTokens: number;
  usedTokens: number;
  slotId: string | undefined;
}

const meters = new WeakMap<Response, Meter>();

/** Adds a finished run's usage to the request's meter (no-op for keys without a token limit). */
export function recordUsage(response: Response, usage: Usage | undefined): void {
  const meter = meters.get(response);
  if (meter && usage) meter.usedTokens += usage.total_tokens;
}

/** OpenAI's reset format: `20ms`, `1.5s`, `6m0s`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)}s`;
}

function setLimitHeaders(response: Response, kind: "requests" | "tokens", state: LimitState | undefined): void {
  if (!state || response.headersSent) return;
  response.setHeader(`x-ratelimit-limit-${kind}`, String(state.limit));
  response.setHeader(`x-ratelimit-remaining-${kind}`, String(Math.max(0, state.remaining)));
  response.setHeader(`x-ratelimit-reset-${kind}`, formatReset(state.resetMs));
}

/** A run's tokens, guessed before it runs: the answer's `max_tokens` when asked for, and the body's size for the prompt. */
function estimateTokens(request: Request): number {
  const body: unknown = request.body;
  const prompt = typeof body === "string" ? body.length : body === undefined ? 0 : JSON.stringify(body).length;
  const asked =
    typeof body === "object" && body !== null && "max_tokens" in body && typeof body.max_tokens === "number" ? body.max_tokens : 0;
  return Math.ceil(prompt / 4) + Math.max(0, Math.floor(asked));
}

/**
 * Takes a request (and, for runs, its estimated tokens and a concurrency slot) from the
 * key's limits, exactly across every gateway; sets OpenAI's `x-ratelimit-*` headers, and
 * refuses with 429 and Retry-After. Requests and tokens come from this gateway's lease of
 * the key (`leases.ts`: one access call per batch); a concurrency slot is asked for one by
 * one and freed when the response closes. A run's end charges the tokens it really used.
 */
export async function admit(context: GatewayContext, principal: Principal, request: Request, response: Response, run: boolean) {
  const { limits } = principal;
  const slotted = run && limits.concurrentRuns !== undefined;
  const counted = limits.requestsPerMinute !== undefined || (run && limits.tokensPerMinute !== undefined);
  if (!counted && !slotted) return;
  const estimatedTokens = run && limits.tokensPerMinute !== undefined ? estimateTokens(request) : 0;
  if (!slotted) {
    const admission = await leasesOf(context).admit(
      principal.keyId,
      run ? limits : { requestsPerMinute: limits.requestsPerMinute },
      estimatedTokens,
    );
    refuseOrHeaders(response, admission.decision);
    if (estimatedTokens === 0) return;
    const meter: Meter = { estimatedTokens, usedTokens: 0, slotId: undefined };
    meters.set(response, meter);
    response.once("close", () => admission.settle(meter.usedTokens, meter.estimatedTokens));
    return;
  }
  const slotId = randomBytes(9).toString("base64url");
  const decision: AdmitReply = await context.call(endpoints.accessAdmit, {
    keyId: principal.keyId,
    limits,
    estimatedTokens,
    runId: slotId,
    holdMs: context.config.GATEWAY_RUN_TIMEOUT_MS + 60_000,
  });
  refuseOrHeaders(response, decision);
  const meter: Meter = { estimatedTokens, usedTokens: 0, slotId };
  meters.set(response, meter);
  response.once("close", () => {
    void context
      .call(endpoints.accessSettle, {
        keyId: principal.keyId,
        limits,
        runId: slotId,
        estimatedTokens: meter.estimatedTokens,
        usedTokens: meter.usedTokens,
      })
      .catch((error: unknown) => context.logger.warn({ err: error, keyId: principal.keyId }, "could not settle a run's limits"));
  });
}

function refuseOrHeaders(response: Response, decision: AdmitReply): void {
  setLimitHeaders(response, "requests", decision.requests);
  setLimitHeaders(response, "tokens", decision.tokens);
  if (decision.allowed) return;
  const retryAfter = Math.max(1, Math.ceil((decision.retryAfterMs ?? 1000) / 1000));
  const what = decision.refusedBy === "tokens" ? "tokens" : decision.refusedBy === "concurrency" ? "concurrent runs" : "requests";
  throw new AppError("rate_limited", `this key's limit of ${what} is reached; retry after ${retryAfter} s`, { details: { retryAfter } });
}

/** One lease table per gateway (per context). */
const leaseTables = new WeakMap<GatewayContext, ReturnType<typeof createLeases>>();
function leasesOf(context: GatewayContext) {
  let table = leaseTables.get(context);
  if (!table) {
    table = createLeases(context);
    leaseTables.set(context, table);
  }
  return table;
}
