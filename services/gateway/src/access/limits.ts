import { randomUUID } from "node:crypto";
import { type AdmitReply, endpoints, type KeyLimits, type LimitState, type Principal, type Usage } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { Request, Response } from "express";
import type { GatewayContext } from "../context.ts";
import { createLeases } from "./leases.ts";

/** What one admitted run request has used so far, charged when its response closes. */
interface Meter {
  usedTokens: number;
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
export function estimateTokens(body: unknown): number {
  const prompt = typeof body === "string" ? body.length : body === undefined ? 0 : JSON.stringify(body).length;
  const asked =
    typeof body === "object" && body !== null && "max_tokens" in body && typeof body.max_tokens === "number" ? body.max_tokens : 0;
  return Math.ceil(prompt / 4) + Math.max(0, Math.floor(asked));
}

interface Taken {
  decision: AdmitReply;
  /** Frees the concurrency slot (if one was taken) and charges what the run really used against its estimate. */
  settle(usedTokens: number): void;
}

/**
 * Takes from a key's `limits` exactly across every gateway: requests and tokens from this
 * gateway's lease of the key (`leases.ts`: one access call per batch), or, when a concurrency
 * slot is asked for, everything in one access call, the slot freed by `settle`.
 */
async function take(context: GatewayContext, keyId: string, limits: KeyLimits, estimatedTokens: number): Promise<Taken> {
  if (limits.concurrentRuns === undefined) {
    const admission = await leasesOf(context).admit(keyId, limits, estimatedTokens);
    return { decision: admission.decision, settle: (usedTokens) => admission.settle(usedTokens, estimatedTokens) };
  }
  const runId = randomUUID();
  const holdMs = context.config.GATEWAY_RUN_TIMEOUT_MS + 60_000;
  const decision = await context.call(endpoints.accessAdmit, { keyId, limits, estimatedTokens, runId, holdMs });
  return {
    decision,
    settle: (usedTokens) =>
      void context
        .call(endpoints.accessSettle, { keyId, limits, runId, estimatedTokens, usedTokens })
        .catch((error: unknown) => context.logger.warn({ err: error, keyId }, "could not settle a run's limits")),
  };
}

/** The limits a request takes from: all of them for a run, only the request count otherwise. */
function limitsFor(limits: KeyLimits, run: boolean): KeyLimits {
  if (run) return limits;
  return limits.requestsPerMinute === undefined ? {} : { requestsPerMinute: limits.requestsPerMinute };
}

/**
 * Takes a request (and, for runs, its estimated tokens and a concurrency slot) from the
 * key's limits, exactly across every gateway; sets OpenAI's `x-ratelimit-*` headers, and
 * refuses with 429 and Retry-After. A run's end (its response closing) frees its slot and
 * charges the tokens it really used.
 */
export async function admit(context: GatewayContext, principal: Principal, request: Request, response: Response, run: boolean) {
  const limits = limitsFor(principal.limits, run);
  if (limits.requestsPerMinute === undefined && limits.tokensPerMinute === undefined && limits.concurrentRuns === undefined) return;
  const estimatedTokens = limits.tokensPerMinute === undefined ? 0 : estimateTokens(request.body);
  const taken = await take(context, principal.keyId, limits, estimatedTokens);
  refuseOrHeaders(response, taken.decision);
  if (limits.tokensPerMinute === undefined && limits.concurrentRuns === undefined) return;
  const meter: Meter = { usedTokens: 0 };
  meters.set(response, meter);
  response.once("close", () => taken.settle(meter.usedTokens));
}

/**
 * A run started inside a request that was already counted (an MCP tool call): takes its
 * estimated tokens and a concurrency slot, not another request; throws `rate_limited` when
 * refused. The caller settles with what the run used once it ends, however it ends.
 */
export async function admitRun(
  context: GatewayContext,
  principal: Principal,
  estimatedTokens: number,
): Promise<(usedTokens: number) => void> {
  const { tokensPerMinute, concurrentRuns } = principal.limits;
  if (tokensPerMinute === undefined && concurrentRuns === undefined) return () => {};
  const limits: KeyLimits = {
    ...(tokensPerMinute === undefined ? {} : { tokensPerMinute }),
    ...(concurrentRuns === undefined ? {} : { concurrentRuns }),
  };
  const taken = await take(context, principal.keyId, limits, tokensPerMinute === undefined ? 0 : estimatedTokens);
  refuse(taken.decision);
  return taken.settle;
}

function refuseOrHeaders(response: Response, decision: AdmitReply): void {
  setLimitHeaders(response, "requests", decision.requests);
  setLimitHeaders(response, "tokens", decision.tokens);
  refuse(decision);
}

function refuse(decision: AdmitReply): void {
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
